#!/usr/bin/env bash
# Builds pinio as one self-contained Native AOT binary (no .NET runtime needed where it runs):
#   artifacts/aot/pinio          the binary (copy it onto a box and run it)
#   artifacts/aot/PinIo.Cli.dbg  its native debug symbols (the binary's debuglink names this file)
# then runs `pinio --version` with it.
#
# Usage: scripts/publish-aot.sh [OUT_DIR [MSBUILD_ARGS...]]      (default: artifacts/aot)
#        e.g. scripts/publish-aot.sh /tmp/aot -p:IlcOrderFile=   (without the hot-method layout)
#             scripts/publish-aot.sh /tmp/aot -p:IlcInstructionSet=x86-64-v2   (for a CPU without AVX2;
#             the default is x86-64-v3, PinIo.Cli.csproj)
# Needs, besides the .NET 10 SDK: clang for the native link (any clang-NN will do; Debian's
# package brings the linker and libc's files with it): apt-get install -y clang. No zlib package:
# .NET 10's ILCompiler links its own (libz.a). The ILCompiler package itself comes from NuGet
# (the SDK picks its version). CI does not run this script; the trim and AOT analyzers run in
# every build instead (IsAotCompatible in both csproj files).
set -euo pipefail
cd "$(dirname "$0")/.."

out="$(realpath -m "${1:-artifacts/aot}")"
shift || true

# The ILCompiler calls `clang`; Debian installs it as clang-NN only unless the `clang` package is in.
linker=clang
if ! command -v clang >/dev/null 2>&1; then
    linker="$(compgen -c clang- | grep -E '^clang-[0-9]+$' | sort -t- -k2 -n | tail -n 1 || true)"
    if [ -z "$linker" ]; then
        echo "publish-aot.sh: no clang found; Native AOT links with it: apt-get install -y clang" >&2
        exit 1
    fi
fi

dotnet publish src/PinIo.Cli/PinIo.Cli.csproj -c Release -r linux-x64 -p:PublishAot=true \
    -p:CppCompilerAndLinker="$linker" -o "$out" --nologo "$@"

# The hot-method layout (IlcOrderFile) names methods: renamed ones silently fall out of it.
order=src/PinIo.Cli/aot-hot-order.txt
if [[ -f "$out/PinIo.Cli.dbg" && -f "$order" ]]; then
    missing=$(head -n 100 "$order" | grep -cvxFf <(nm "$out/PinIo.Cli.dbg" | awk '{print $3}') || true)
    if (( missing > 10 )); then
        echo "publish-aot.sh: $missing of the 100 hottest methods in $order are not in this build: run bench/aot-order.sh" >&2
    fi
fi

echo
echo "Native AOT binary: $out/pinio ($(du -h "$out/pinio" | cut -f1)), $("$out/pinio" --version)"
echo "Run it:            $out/pinio --name=t --filename=ram:64m --rw=randread --runtime=1 --time_based"

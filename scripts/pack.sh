#!/usr/bin/env bash
# Packs the two packages into a local NuGet feed (a folder) and prints the lines that install
# from it:
#   PinIo       the library            dotnet add package PinIo
#   PinIo.Tool  the pinio command      dotnet tool install -g PinIo.Tool
# (The tool's id cannot be "pinio": NuGet ids ignore case, so it would be the library's.)
# Each gets a symbol package (.snupkg) beside it. The version is Directory.Build.props'.
#
# Usage: scripts/pack.sh [FEED_DIR]        (default: artifacts/feed)
# Needs: the .NET 10 SDK. With CI=true the build is a ContinuousIntegrationBuild (paths /_/).
set -euo pipefail
cd "$(dirname "$0")/.."

feed="$(realpath -m "${1:-artifacts/feed}")"
mkdir -p "$feed"

version="$(dotnet msbuild src/PinIo/PinIo.csproj -getProperty:Version)"
for project in src/PinIo/PinIo.csproj src/PinIo.Cli/PinIo.Cli.csproj; do
    dotnet pack "$project" -c Release -o "$feed" --nologo -v:q -clp:NoSummary
done

# The library's dependencies (System.IO.Hashing) go into the feed too, from NuGet's cache where
# the build restored them: `dotnet add package PinIo --source FEED` then needs no other source.
cache="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
unzip -p "$feed/PinIo.$version.nupkg" PinIo.nuspec \
    | grep -o '<dependency id="[^"]*" version="[^"]*"' | cut -d'"' -f2,4 | tr '"' ' ' \
    | while read -r id dependency_version; do
        lower="$(echo "$id" | tr '[:upper:]' '[:lower:]')"
        nupkg="$cache/$lower/$dependency_version/$lower.$dependency_version.nupkg"
        if [ -f "$nupkg" ]; then
            cp "$nupkg" "$feed/"
        else
            echo "pack.sh: $id $dependency_version is not in NuGet's cache ($cache): the feed lacks it" >&2
        fi
    done

# SourceLink (the SDK's) needs a git remote on GitHub, GitLab, Azure Repos or Bitbucket; without
# one the PDBs carry the sources themselves (Directory.Build.props, EmbedSourcesWithoutSourceLink).
if remote="$(git remote get-url origin 2>/dev/null)"; then
    echo "SourceLink: the PDBs point at $remote (if that host is one SourceLink knows)"
else
    echo "SourceLink: no git remote here, so no source links: the PDBs embed the sources instead"
fi

echo
echo "Packed version $version into $feed (with the library's dependencies):"
ls -1 "$feed" | sed 's/^/  /'
cat <<INSTALL

Install from this feed:
  dotnet add package PinIo --version $version --source $feed
  dotnet tool install -g PinIo.Tool --version $version --add-source $feed     # then: pinio --version
  dotnet tool install --tool-path ./tools PinIo.Tool --version $version --add-source $feed

A package of the same id and version is taken from the NuGet cache once it is there: after
repacking an unchanged version, remove it there first (rm -rf ~/.nuget/packages/pinio ~/.nuget/packages/pinio.tool)
or give Directory.Build.props a new Version.
INSTALL

// Follows include/uapi/linux/ioprio.h (IOPRIO_PRIO_VALUE, IOPRIO_CLASS_*, IOPRIO_HINT_*) and block/ioprio.c.
namespace PinIo.Block;

/// <summary>The I/O scheduling classes of Linux's ioprio (IOPRIO_CLASS_*).</summary>
public enum IoPriorityClass
{
    /// <summary>No class: the request takes its submitter's (IOPRIO_CLASS_NONE).</summary>
    None = 0,

    /// <summary>Served first; the kernel asks for CAP_SYS_ADMIN or CAP_SYS_NICE (IOPRIO_CLASS_RT).</summary>
    RealTime = 1,

    /// <summary>The default class, levels 0 (highest) to 7 (IOPRIO_CLASS_BE).</summary>
    BestEffort = 2,

    /// <summary>Served when no other class has I/O waiting (IOPRIO_CLASS_IDLE).</summary>
    Idle = 3,
}

/// <summary>
/// A request's I/O priority as the kernel encodes it (bio->bi_ioprio, an SQE's ioprio, an
/// iocb's aio_reqprio): the class in bits 13-15, a hint in bits 3-12 (IOPRIO_HINT_*: a
/// command duration limit descriptor), the level in bits 0-2. <see cref="None"/> (0) leaves
/// the priority to the submitter's, as an unset field does in the kernel. Carried by a
/// <see cref="Bio"/> to the engines, which hand it to the kernel; devices that schedule
/// nothing (the RAM disk) carry it and ignore it.
/// </summary>
public readonly record struct IoPriority(ushort Value)
{
    private const int ClassShift = 13;
    private const int HintShift = 3;
    private const int MaxHint = (1 << 10) - 1;

    /// <summary>No priority (0): the request takes its submitter's, as an unset bi_ioprio does.</summary>
    public static IoPriority None => default;

    /// <summary>IOPRIO_PRIO_VALUE_HINT(class, level, hint); levels 0 (highest) to 7, hints 0 to 1023.</summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: the class is not a Linux class, or the
    /// level or hint is out of range (as ioprio_check_cap refuses).</exception>
    public static IoPriority Of(IoPriorityClass priorityClass, int level, int hint = 0)
    {
        if (priorityClass is < IoPriorityClass.None or > IoPriorityClass.Idle)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"I/O priority class {(int)priorityClass} is not a Linux class: use None, RealTime, BestEffort or Idle");
        }
        if (level is < 0 or > 7 || hint is < 0 or > MaxHint)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"I/O priority level {level} and hint {hint}: the level must be 0 to 7 and the hint 0 to {MaxHint}");
        }
        return new IoPriority((ushort)(((int)priorityClass << ClassShift) | (hint << HintShift) | level));
    }

    /// <summary>IOPRIO_PRIO_CLASS: bits 13-15.</summary>
    public IoPriorityClass Class => (IoPriorityClass)(Value >> ClassShift);

    /// <summary>IOPRIO_PRIO_LEVEL: bits 0-2; 0 is served first within the class.</summary>
    public int Level => Value & 7;

    /// <summary>IOPRIO_PRIO_HINT: bits 3-12, a command duration limit descriptor (0: none).</summary>
    public int Hint => (Value >> HintShift) & MaxHint;

    /// <summary>False for <see cref="None"/>: the engines leave the kernel field 0.</summary>
    public bool IsSet => Value != 0;

    /// <summary>"Class/Level" (and "/hint N"), or "none"; the form <c>pinio</c>'s reports use.</summary>
    public override string ToString() => IsSet ? $"{Class}/{Level}{(Hint != 0 ? $"/hint {Hint}" : "")}" : "none";
}

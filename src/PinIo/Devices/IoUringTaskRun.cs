// Follows io_uring/io_uring.c (io_req_local_work_add, io_req_normal_work_add) and io_uring_setup(2)'s task-run flags.
namespace PinIo.Devices;

/// <summary>
/// When a ring's completions are posted: each ends in kernel "task work" that must run on the
/// submitting thread. The owner-thread rule (IORING_SETUP_SINGLE_ISSUER) goes with every mode.
/// </summary>
public enum IoUringTaskRun
{
    /// <summary>IORING_SETUP_DEFER_TASKRUN (Linux 6.1): the work waits until the owner enters the kernel to wait for completions; nothing interrupts it.</summary>
    Deferred,

    /// <summary>IORING_SETUP_COOP_TASKRUN | TASKRUN_FLAG (5.19): the work runs at the owner's next kernel entry of any kind, with no interrupt; the ring flags that work is pending.</summary>
    Cooperative,

    /// <summary>None of them: the kernel interrupts the owner (a signal-like notification, an IPI when it runs elsewhere) to run the work at once.</summary>
    Interrupt,
}

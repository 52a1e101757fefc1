// Follows fs/iomap/direct-io.c (iomap_dio_complete: inode_dio_end in the completing context).
namespace PinIo.Fs;

/// <summary>
/// What runs once when a Direct I/O request has ended — inside the submitting call when the
/// device ended it there, else on the completing thread — before its result is delivered.
/// The file's Direct I/O count (<c>inode_dio_end</c>) rides on it, so that an overwrite in
/// flight needs no awaiting frame of its own to leave the file.
/// </summary>
internal interface IDioCompletionHook
{
    /// <summary>Must not block or throw: it runs in the device's completion path.</summary>
    void OnDioComplete();
}

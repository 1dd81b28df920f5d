using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Offline storage (<c>OfflineStorageDirectory</c>): batches the backend cannot take now, kept on disk as their exact
/// gzip body with their <c>batch_id</c>, and read back oldest first to be sent before newer events. Used only on the
/// export thread (under the worker's export lock, the <see cref="QueueSpiller"/> included): the app's calls never touch the disk.
/// </summary>
/// <remarks>
/// <para>
/// One file per batch, named <c>{unix ms:D13}-{order:D10}-{events}-{batch id}.zsb</c> after when and in which order
/// its body was built (not when it was written), so names sort oldest first and tell the event count even when the
/// content is damaged. The content is a 45-byte header (magic <c>ZSB1</c>,
/// version, batch id, event count, reported <c>dropped_since_last</c>, uncompressed and compressed lengths, CRC-32 of
/// the body) and the body. A file is written to a temporary name, flushed to disk and renamed, so a reader sees a
/// whole file or none.
/// </para>
/// <para>
/// To send a stored batch the process claims its file by renaming it to <c>{name}.{pid}.{instance}.claim</c>: of
/// two processes sharing the directory only one rename succeeds, so no file is sent twice. It deletes the claimed
/// file once the backend answered for good, or renames it back when the send failed. A claim left by a process that
/// is gone (killed between send and delete) is put back at the next start and sent again; the backend's
/// idempotency on <c>batch_id</c> makes that harmless. A file that does not read back (truncated, damaged) is
/// removed and its events counted (<see cref="DropReason.OfflineCorrupt"/>).
/// </para>
/// <para>
/// The directory never holds more than <c>MaxOfflineStorageBytes</c>: before a write the oldest unclaimed batches are
/// removed and counted (<see cref="DropReason.OfflineFull"/>) until the new one fits. A directory that cannot be
/// created or written is logged once; the export carries on in memory and tries the disk again five minutes later.
/// The directory is read from the options once, when the export starts.
/// </para>
/// </remarks>
internal sealed class OfflineBatchStore
{
    /// <summary>How long the store rests after the directory failed before it tries again.</summary>
    public static readonly TimeSpan RetryUnavailableAfter = TimeSpan.FromMinutes(5);

    private const string Extension = ".zsb";
    private const string ClaimExtension = ".claim";
    private const int HeaderLength = 45;
    private const byte Version = 1;
    private static readonly byte[] Magic = "ZSB1"u8.ToArray();
    private static readonly Lazy<long> OwnStart = new(() => StartOf(Environment.ProcessId) ?? 0);

    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly TimeProvider _time;
    private readonly DropCounter _drops;
    private readonly ExportStatistics _stats;
    private readonly ILogger _logger;
    private readonly string? _directory;
    private readonly string _claimSuffix;
    private readonly string _ownPidText;
    private bool _initialized;
    private bool _unavailableLogged;
    private bool _fullLogged;
    private DateTimeOffset _unavailableUntil = DateTimeOffset.MinValue;
    private volatile bool _hasStored;
    private int _storedCount;

    public OfflineBatchStore(IOptionsMonitor<ZespanOptions> options, TimeProvider timeProvider, DropCounter drops, ExportStatistics statistics, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _drops = drops;
        _stats = statistics;
        _logger = loggerFactory.CreateLogger("Zespan");
        var directory = options.CurrentValue.OfflineStorageDirectory;
        _directory = string.IsNullOrWhiteSpace(directory) ? null : directory;
        _ownPidText = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        _claimSuffix = "." + Owner(Environment.ProcessId, OwnStart.Value) + "." + Guid.NewGuid().ToString("N")[..12] + ClaimExtension;
    }

    /// <summary>Gets a value indicating whether <c>OfflineStorageDirectory</c> is set.</summary>
    public bool IsConfigured => _directory is not null;

    /// <summary>Gets a value indicating whether batches can be written now (configured, and the directory did not fail lately).</summary>
    public bool IsAvailable => _directory is not null && _time.GetUtcNow() >= _unavailableUntil;

    /// <summary>Gets a value indicating whether stored batches were seen (cached: reading it touches no disk).</summary>
    public bool HasStored => _hasStored;

    /// <summary>
    /// Gets the number of batches waiting in the directory as this process last saw it (counted when it writes, claims
    /// or removes one, and recounted each time it lists the directory); readable from any thread, touches no disk.
    /// </summary>
    public int StoredCount => Volatile.Read(ref _storedCount);

    /// <summary>Gets the directory (null when not configured).</summary>
    public string? Directory => _directory;

    /// <summary>
    /// Writes <paramref name="batch"/> to the directory, making room within <c>MaxOfflineStorageBytes</c> by removing the
    /// oldest batches. Never throws.
    /// </summary>
    /// <returns>False when it could not be stored (the directory failed, or the batch alone is over the cap): keep it in memory.</returns>
    public bool TryWrite(RetainedBatch batch)
    {
        if (!IsAvailable || !EnsureInitialized())
        {
            return false;
        }

        var size = (long)HeaderLength + batch.Body.Length;
        var cap = Math.Max(1_048_576, _options.CurrentValue.MaxOfflineStorageBytes);
        if (size > cap)
        {
            return false;
        }

        try
        {
            if (!MakeRoom(size, cap))
            {
                return false;
            }

            // Named by when the body was built, so files sort oldest first whenever each was written (a batch that failed
            // after newer events were moved to disk goes before them); a batch read from disk keeps its name.
            var name = batch.StoredName ?? string.Create(
                CultureInfo.InvariantCulture,
                $"{BuiltAt(batch).ToUnixTimeMilliseconds():D13}-{(batch.Order > 0 ? batch.Order : RetainedBatch.NextOrder()):D10}-{batch.EventCount}-{batch.BatchId:N}{Extension}");
            var temporary = Path.Combine(_directory!, "." + batch.BatchId.ToString("N") + "." + _ownPidText + ".tmp");
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
            {
                Span<byte> header = stackalloc byte[HeaderLength];
                WriteHeader(header, batch);
                file.Write(header);
                file.Write(batch.Body);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path.Combine(_directory!, name), overwrite: false);
            _hasStored = true;
            Interlocked.Increment(ref _storedCount);
            _stats.RecordStored();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or System.Security.SecurityException)
        {
            Unavailable(ex);
            return false;
        }
    }

    private DateTimeOffset BuiltAt(RetainedBatch batch) => batch.BuiltAt == default ? _time.GetUtcNow() : batch.BuiltAt;

    /// <summary>
    /// Claims the oldest stored batch and reads it back; a file that does not read back is removed and counted, and
    /// the next one tried. Never throws.
    /// </summary>
    public bool TryClaimNext(out RetainedBatch batch)
    {
        batch = null!;
        if (_directory is null || (_initialized && !_hasStored) || !IsAvailable || !EnsureInitialized() || !_hasStored)
        {
            return false;
        }

        try
        {
            var files = StoredFilesOldestFirst();
            for (var i = 0; i < files.Count; i++)
            {
                var path = files[i];
                var name = Path.GetFileName(path);
                var claimed = path + _claimSuffix;
                try
                {
                    File.Move(path, claimed, overwrite: false);
                }
                catch (FileNotFoundException)
                {
                    continue; // another process claimed it first
                }
                catch (IOException)
                {
                    continue;
                }

                // The files before it are gone (claimed by another process, or corrupt and removed).
                Volatile.Write(ref _storedCount, files.Count - i - 1);
                if (TryRead(claimed, name, out batch))
                {
                    batch.ClaimedPath = claimed;
                    batch.StoredName = name;
                    _stats.RecordLoaded();
                    return true;
                }

                Corrupt(claimed, name);
            }

            _hasStored = false;
            Volatile.Write(ref _storedCount, 0);
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Unavailable(ex);
            return false;
        }
    }

    /// <summary>The backend answered for good for a claimed batch (accepted, or rejected): its file is removed.</summary>
    public void Complete(RetainedBatch batch)
    {
        if (batch.ClaimedPath is not { } claimed)
        {
            return;
        }

        try
        {
            File.Delete(claimed);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left claimed by this process: put back at the next start and sent again, which the batch id makes harmless.
        }

        batch.ClaimedPath = null;
    }

    /// <summary>A claimed batch could not be sent now: its file goes back under its name, to be sent again later.</summary>
    /// <returns>False when it could not be put back (the batch then stays in memory).</returns>
    public bool Release(RetainedBatch batch)
    {
        if (batch.ClaimedPath is not { } claimed || batch.StoredName is not { } name)
        {
            return false;
        }

        try
        {
            File.Move(claimed, Path.Combine(_directory!, name), overwrite: false);
            batch.ClaimedPath = null;
            _hasStored = true;
            Interlocked.Increment(ref _storedCount);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Looks at the directory (creates it, puts back stale claims, sees what is stored): at the export's start, on its thread.</summary>
    public void Open()
    {
        if (IsAvailable)
        {
            EnsureInitialized();
        }
    }

    /// <summary>Creates the directory and puts back claims of processes that are gone; once, on the export thread.</summary>
    private bool EnsureInitialized()
    {
        if (_initialized)
        {
            return true;
        }

        try
        {
            System.IO.Directory.CreateDirectory(_directory!);
            foreach (var path in System.IO.Directory.EnumerateFiles(_directory!))
            {
                var name = Path.GetFileName(path);
                if (name.EndsWith(ClaimExtension, StringComparison.Ordinal))
                {
                    RecoverStaleClaim(path, name);
                }
                else if (name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal) && IsGone(PidOfTemporary(name)))
                {
                    TryDelete(path);
                }
            }

            var stored = StoredFilesOldestFirst().Count;
            Volatile.Write(ref _storedCount, stored);
            _hasStored = stored > 0;
            _initialized = true;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or System.Security.SecurityException)
        {
            Unavailable(ex);
            return false;
        }
    }

    private void RecoverStaleClaim(string path, string name)
    {
        // {name}.zsb.{pid}-{process start, unix ms}.{instance}.claim: stale when that process is no longer running.
        var stored = name.IndexOf(Extension + ".", StringComparison.Ordinal);
        if (stored < 0)
        {
            return;
        }

        var parts = name[(stored + Extension.Length + 1)..].Split('.');
        var owner = parts.Length == 3 ? parts[0].Split('-') : [];
        if (owner.Length != 2
            || !int.TryParse(owner[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(owner[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return;
        }

        // Another host of this process, or a live process, holds it; a process that is gone, or a new process that
        // reused the pid (another start time), does not.
        if (StartOf(pid) is { } running && running == start)
        {
            return;
        }

        try
        {
            File.Move(path, Path.Combine(_directory!, name[..(stored + Extension.Length)]), overwrite: false);
        }
        catch (IOException)
        {
            // Another process recovered it first.
        }
    }

    private static string Owner(int pid, long start) =>
        pid.ToString(CultureInfo.InvariantCulture) + "-" + start.ToString(CultureInfo.InvariantCulture);

    /// <summary>The start time (unix ms) of the running process <paramref name="pid"/>; null when none runs.</summary>
    private static long? StartOf(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds();
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private static int PidOfTemporary(string name)
    {
        // .{batch}.{pid}.tmp
        var parts = name.Split('.');
        return parts.Length == 4 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : -1;
    }

    private static bool IsGone(int pid) => pid <= 0 || (pid != Environment.ProcessId && StartOf(pid) is null);

    private List<string> StoredFilesOldestFirst()
    {
        var files = new List<string>();
        foreach (var path in System.IO.Directory.EnumerateFiles(_directory!))
        {
            if (path.EndsWith(Extension, StringComparison.Ordinal) && !Path.GetFileName(path).StartsWith('.'))
            {
                files.Add(path);
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>Removes the oldest unclaimed batches until <paramref name="size"/> more bytes fit under <paramref name="cap"/>.</summary>
    private bool MakeRoom(long size, long cap)
    {
        long total = 0;
        foreach (var path in System.IO.Directory.EnumerateFiles(_directory!))
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith(Extension, StringComparison.Ordinal) || name.EndsWith(ClaimExtension, StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                total += Length(path);
            }
        }

        if (total + size <= cap)
        {
            return true;
        }

        foreach (var path in StoredFilesOldestFirst())
        {
            var length = Length(path);
            var events = EventCountOf(Path.GetFileName(path));
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                continue;
            }

            total -= length;
            Interlocked.Decrement(ref _storedCount);
            _drops.Drop(DropReason.OfflineFull, events);
            if (!_fullLogged || _options.CurrentValue.Debug)
            {
                _fullLogged = true;
                ExportLog.OfflineStorageFull(_logger, _directory!, cap, events);
            }

            if (total + size <= cap)
            {
                return true;
            }
        }

        return false;
    }

    private static long Length(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static int EventCountOf(string name)
    {
        // {ms}-{sequence}-{events}-{batch}.zsb
        var parts = name.Split('-');
        return parts.Length >= 4 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;
    }

    private static void WriteHeader(Span<byte> header, RetainedBatch batch)
    {
        Magic.CopyTo(header);
        header[4] = Version;
        batch.BatchId.TryWriteBytes(header.Slice(5, 16));
        BinaryPrimitives.WriteInt32LittleEndian(header.Slice(21, 4), batch.EventCount);
        BinaryPrimitives.WriteInt64LittleEndian(header.Slice(25, 8), batch.DroppedReported);
        BinaryPrimitives.WriteInt32LittleEndian(header.Slice(33, 4), batch.UncompressedLength);
        BinaryPrimitives.WriteInt32LittleEndian(header.Slice(37, 4), batch.Body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header.Slice(41, 4), Crc32.HashToUInt32(batch.Body));
    }

    private static bool TryRead(string path, string name, out RetainedBatch batch)
    {
        batch = null!;
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return false;
        }

        if (content.Length < HeaderLength || !content.AsSpan(0, 4).SequenceEqual(Magic) || content[4] != Version)
        {
            return false;
        }

        var header = content.AsSpan(0, HeaderLength);
        var batchId = new Guid(header.Slice(5, 16));
        var events = BinaryPrimitives.ReadInt32LittleEndian(header.Slice(21, 4));
        var dropped = BinaryPrimitives.ReadInt64LittleEndian(header.Slice(25, 8));
        var uncompressed = BinaryPrimitives.ReadInt32LittleEndian(header.Slice(33, 4));
        var length = BinaryPrimitives.ReadInt32LittleEndian(header.Slice(37, 4));
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(header.Slice(41, 4));
        if (length != content.Length - HeaderLength || events <= 0 || dropped < 0 || uncompressed <= 0 || events != EventCountOf(name))
        {
            return false;
        }

        var body = content.AsSpan(HeaderLength).ToArray();
        if (Crc32.HashToUInt32(body) != crc)
        {
            return false;
        }

        batch = new RetainedBatch(batchId, body, uncompressed, events, dropped, carriedHere: false);
        return true;
    }

    private void Corrupt(string claimed, string name)
    {
        var events = EventCountOf(name);
        TryDelete(claimed);
        _stats.RecordCorruptFile();
        _drops.Drop(DropReason.OfflineCorrupt, events);
        ExportLog.OfflineBatchCorrupt(_logger, name, events);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void Unavailable(Exception ex)
    {
        _unavailableUntil = _time.GetUtcNow() + RetryUnavailableAfter;
        _initialized = false;
        if (!_unavailableLogged)
        {
            _unavailableLogged = true;
            ExportLog.OfflineStorageUnavailable(_logger, _directory ?? string.Empty, ex.GetType().Name, ex);
        }
    }
}

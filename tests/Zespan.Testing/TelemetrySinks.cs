using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Zespan.Testing;

/// <summary>
/// Everything observable outside Zespan's own wire while a test runs: every activity of the <c>Zespan</c> source
/// (name, tags, events, status), every measurement of the <c>Zespan</c> meter with its tags, and every log record
/// (a <see cref="FakeLogCollector"/> at <see cref="LogLevel.Trace"/>). <see cref="Text"/> is all of it as one string,
/// for "no sink saw this" assertions.
/// </summary>
public sealed class TelemetrySinks : IDisposable
{
    private readonly ConcurrentQueue<Activity> _activities = new();
    private readonly ConcurrentQueue<string> _measurements = new();
    private readonly ActivityListener _activityListener;
    private readonly MeterListener _meterListener;

    public TelemetrySinks()
    {
        _activityListener = new ActivityListener
        {
            ShouldListenTo = static s => s.Name == "Zespan",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_activityListener);
        _meterListener = new MeterListener
        {
            InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Zespan")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meterListener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _meterListener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _meterListener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _meterListener.Start();
    }

    /// <summary>Gets the log records of the service providers given to <see cref="AddLogging"/>.</summary>
    public FakeLogCollector Logs { get; } = new();

    /// <summary>Gets the stopped activities of the <c>Zespan</c> source.</summary>
    public IReadOnlyList<Activity> Activities => [.. _activities];

    /// <summary>Gets the measurements (instrument, value, tags) of the <c>Zespan</c> meter, as text.</summary>
    public IReadOnlyList<string> Measurements => [.. _measurements];

    /// <summary>Gets every activity, measurement and log record as text.</summary>
    public string Text
    {
        get
        {
            var text = new StringBuilder();
            foreach (var activity in _activities)
            {
                Describe(activity, text);
            }

            foreach (var measurement in _measurements)
            {
                text.AppendLine(measurement);
            }

            foreach (var record in Logs.GetSnapshot())
            {
                text.Append(record.Level).Append(' ').Append(record.Id).Append(' ').Append(record.Category).Append(": ").AppendLine(record.Message);
                if (record.Exception is { } exception)
                {
                    text.AppendLine(exception.ToString());
                }

                foreach (var pair in record.StructuredState ?? [])
                {
                    text.Append("  ").Append(pair.Key).Append('=').AppendLine(pair.Value);
                }
            }

            return text.ToString();
        }
    }

    /// <summary>Sends every log record of the services built from <paramref name="services"/> to <see cref="Logs"/>, at every level.</summary>
    public void AddLogging(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(Logs);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(Logs)));
    }

    public void Dispose()
    {
        _activityListener.Dispose();
        _meterListener.Dispose();
    }

    /// <summary>An activity's name, kind, status, tags (objects and arrays written out), events with their tags, and links.</summary>
    public static void Describe(Activity activity, StringBuilder text)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(text);
        text.Append("activity ").Append(activity.OperationName).Append(" | ").Append(activity.DisplayName)
            .Append(" | ").Append(activity.Status).Append(' ').AppendLine(activity.StatusDescription);
        foreach (var tag in activity.TagObjects)
        {
            text.Append("  ").Append(tag.Key).Append('=').AppendLine(Format(tag.Value));
        }

        foreach (var e in activity.Events)
        {
            text.Append("  event ").AppendLine(e.Name);
            foreach (var tag in e.Tags)
            {
                text.Append("    ").Append(tag.Key).Append('=').AppendLine(Format(tag.Value));
            }
        }

        foreach (var baggage in activity.Baggage)
        {
            text.Append("  baggage ").Append(baggage.Key).Append('=').AppendLine(baggage.Value);
        }
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => s,
        System.Collections.IEnumerable sequence => string.Join(",", sequence.Cast<object?>().Select(Format)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var text = new StringBuilder(instrument.Name).Append(' ').Append(value);
        foreach (var tag in tags)
        {
            text.Append(' ').Append(tag.Key).Append('=').Append(Format(tag.Value));
        }

        _measurements.Enqueue(text.ToString());
    }
}

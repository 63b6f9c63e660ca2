using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Stations;

namespace Harmattan.Transformer;

/// <summary>
/// The averaging rule (docs/architecture.md, "The averaging rule") as a pure function of one fetch: same input, same
/// output, bit for bit.
/// </summary>
public static class AveragesCalculator
{
    /// <summary>Raise when the rule changes, so replayed history overwrites what the older rule stored.</summary>
    public const int AlgorithmVersion = 1;

    private static readonly QuantityStats RejectedValue = new() { Count = 0, Rejected = 1 };

    public static AveragesComputed Compute(RawReadingsFetched fetch, QualityOptions options) => Compute(fetch, options, null);

    /// <param name="outcomes">When given, counts each value accepted or rejected, by rule.</param>
    public static AveragesComputed Compute(RawReadingsFetched fetch, QualityOptions options, ReadingOutcomes? outcomes)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        ArgumentNullException.ThrowIfNull(options);

        var zone = TimeZoneInfo.FindSystemTimeZoneById(fetch.TimeZone);
        var days = CalendarDays(zone, fetch.WindowStart.UtcTicks, fetch.WindowEnd.UtcTicks);
        var rows = LastRowPerTimestamp(fetch.Readings, fetch.WindowStart.UtcTicks, fetch.WindowEnd.UtcTicks);

        var hourly = new List<HourlyAverage>(rows.Length);
        var rangesByShape = new Dictionary<QuantityKeys, PlausibleRange[]>();
        // Per-quantity state is resolved once per row shape and day, not once per value: rows of a fetch share shapes.
        QuantityKeys? keys = null;
        PlausibleRange[] ranges = [];
        QuantityAccumulator[] accumulators = [];
        DayAccumulator? accumulatorsDay = null;
        var day = 0;
        foreach (var row in rows)
        {
            var reading = fetch.Readings[row];
            var ticks = reading.Hour.UtcTicks;
            while (ticks >= days[day].EndTicks)
                day++;
            var values = QuantityMap<double?>.From(reading.Values);
            if (values.Count == 0)
                continue;

            if (!ReferenceEquals(values.Keys, keys))
            {
                keys = values.Keys;
                if (!rangesByShape.TryGetValue(keys, out ranges!))
                    rangesByShape[keys] = ranges = [.. keys.Names.Select(options.RangeOf)];
                accumulatorsDay = null;
            }
            if (accumulatorsDay != days[day])
            {
                accumulatorsDay = days[day];
                accumulators = accumulatorsDay.Quantities(keys);
            }

            var stats = new QuantityStats[values.Count];
            var anyValid = false;
            var span = values.ValueSpan;
            for (var i = 0; i < span.Length; i++)
            {
                if (span[i] is not { } v || !double.IsFinite(v) || !ranges[i].Contains(v))
                {
                    outcomes?.Reject(span[i]);
                    accumulators[i].Rejected++;
                    stats[i] = RejectedValue;
                    continue;
                }
                accumulators[i].Add(v);
                if (outcomes is not null)
                    outcomes.Accepted++;
                stats[i] = new QuantityStats { Mean = v, Min = v, Max = v, Count = 1, Rejected = 0 };
                anyValid = true;
            }

            if (anyValid)
                accumulatorsDay.CoverHour(ticks - ticks % TimeSpan.TicksPerHour);
            hourly.Add(new HourlyAverage { Hour = new DateTimeOffset(ticks, TimeSpan.Zero), Quantities = new QuantityMap<QuantityStats>(keys, stats) });
        }

        outcomes?.CountRepeatedTimestamps(fetch, rows);

        var daily = new List<DailyAverage>(days.Count);
        foreach (var d in days)
            daily.Add(d.ToDailyAverage(fetch.FetchedAt.UtcTicks, options.CompleteThreshold));

        return new AveragesComputed
        {
            StationId = fetch.StationId,
            WindowStart = fetch.WindowStart,
            WindowEnd = fetch.WindowEnd,
            TimeZone = fetch.TimeZone,
            SourceFetchId = fetch.FetchId,
            SourceFetchedAt = fetch.FetchedAt,
            AlgorithmVersion = options.AlgorithmVersion,
            Hourly = hourly,
            Daily = daily,
        };
    }

    /// <summary>Indexes of the readings inside [start, end), one per timestamp (the last row wins), by ascending time.</summary>
    private static int[] LastRowPerTimestamp(IReadOnlyList<RawReading> readings, long startTicks, long endTicks)
    {
        var ascending = true;
        var inWindow = 0;
        var previous = long.MinValue;
        for (var i = 0; i < readings.Count; i++)
        {
            var ticks = readings[i].Hour.UtcTicks;
            if (ticks < startTicks || ticks >= endTicks)
                continue;
            ascending &= ticks > previous;
            previous = ticks;
            inWindow++;
        }

        if (ascending)
        {
            var rows = new int[inWindow];
            var n = 0;
            for (var i = 0; i < readings.Count; i++)
            {
                var ticks = readings[i].Hour.UtcTicks;
                if (ticks >= startTicks && ticks < endTicks)
                    rows[n++] = i;
            }
            return rows;
        }

        var last = new Dictionary<long, int>(inWindow);
        for (var i = 0; i < readings.Count; i++)
        {
            var ticks = readings[i].Hour.UtcTicks;
            if (ticks >= startTicks && ticks < endTicks)
                last[ticks] = i;
        }
        var keys = new long[last.Count];
        var indexes = new int[last.Count];
        var k = 0;
        foreach (var (ticks, index) in last)
        {
            keys[k] = ticks;
            indexes[k++] = index;
        }
        Array.Sort(keys, indexes);
        return indexes;
    }

    /// <summary>Every calendar day the window touches, each as [local 00:00, next local 00:00) in UTC ticks.</summary>
    private static List<DayAccumulator> CalendarDays(TimeZoneInfo zone, long startTicks, long endTicks)
    {
        var days = new List<DayAccumulator>();
        if (endTicks <= startTicks)
            return days;
        var first = LocalDate(zone, startTicks);
        var last = LocalDate(zone, endTicks - 1);
        var dayStart = StartOfDay(zone, first);
        for (var date = first; date <= last; date = date.AddDays(1))
        {
            var next = StartOfDay(zone, date.AddDays(1));
            days.Add(new DayAccumulator(date, dayStart, next));
            dayStart = next;
        }
        return days;
    }

    private static DateOnly LocalDate(TimeZoneInfo zone, long utcTicks) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(new DateTime(utcTicks, DateTimeKind.Utc), zone));

    /// <summary>Where the extractor's windows cut the days too, so a window's edge is always a day's.</summary>
    private static long StartOfDay(TimeZoneInfo zone, DateOnly date) => DayWindows.StartOfDay(date, zone).UtcTicks;

    private sealed class DayAccumulator(DateOnly date, long startTicks, long endTicks)
    {
        private readonly Dictionary<string, QuantityAccumulator> _quantities = new(StringComparer.Ordinal);
        private long _lastCoveredHour = long.MinValue;
        private int _hoursCovered;

        public long EndTicks { get; } = endTicks;

        /// <summary>The accumulator of each of <paramref name="keys"/>, in the same order.</summary>
        public QuantityAccumulator[] Quantities(QuantityKeys keys)
        {
            var accumulators = new QuantityAccumulator[keys.Count];
            for (var i = 0; i < accumulators.Length; i++)
                if (!_quantities.TryGetValue(keys[i], out accumulators[i]!))
                    _quantities[keys[i]] = accumulators[i] = new QuantityAccumulator();
            return accumulators;
        }

        /// <summary>Rows arrive in ascending time, so a new hour is one greater than the last counted.</summary>
        public void CoverHour(long hourTicks)
        {
            if (hourTicks == _lastCoveredHour)
                return;
            _lastCoveredHour = hourTicks;
            _hoursCovered++;
        }

        public DailyAverage ToDailyAverage(long fetchedAtTicks, double completeThreshold)
        {
            var hoursInDay = DayWindows.HourStartsIn(new DateTimeOffset(startTicks, TimeSpan.Zero), new DateTimeOffset(EndTicks, TimeSpan.Zero));
            // A date the clocks skipped whole (Pacific/Apia, 30 December 2011) has no hour: 0, not 0/0, a NaN that
            // neither the bus's JSON nor the stores can hold.
            var completeness = hoursInDay == 0 ? 0 : (double)_hoursCovered / hoursInDay;
            var names = _quantities.Keys.ToArray();
            Array.Sort(names, StringComparer.Ordinal);
            var quantities = new Dictionary<string, QuantityStats>(names.Length, StringComparer.Ordinal);
            foreach (var name in names)
                quantities[name] = _quantities[name].ToStats();
            return new DailyAverage
            {
                Date = date,
                HoursCovered = _hoursCovered,
                HoursInDay = hoursInDay,
                Completeness = completeness,
                // Ended once its last hour has, which in a zone of a half-hour offset is after the day.
                IsComplete = DayWindows.EndOfLastHourBefore(new DateTimeOffset(EndTicks, TimeSpan.Zero)).UtcTicks <= fetchedAtTicks
                             && completeness >= completeThreshold,
                Quantities = quantities,
            };
        }
    }

    private sealed class QuantityAccumulator
    {
        private double _sum;
        private double _min = double.PositiveInfinity;
        private double _max = double.NegativeInfinity;
        private int _count;

        public int Rejected { get; set; }

        public void Add(double value)
        {
            _sum += value;
            _min = Math.Min(_min, value);
            _max = Math.Max(_max, value);
            _count++;
        }

        public QuantityStats ToStats() => _count == 0
            ? new QuantityStats { Count = 0, Rejected = Rejected }
            : new QuantityStats { Mean = _sum / _count, Min = _min, Max = _max, Count = _count, Rejected = Rejected };
    }
}

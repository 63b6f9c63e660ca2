using System.Diagnostics;
using System.Globalization;
using Harmattan.AirQinoSimulator;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Storage;
using Harmattan.Storage.MongoDb;
using Harmattan.Storage.Sqlite;
using Harmattan.Testing;
using Harmattan.Transformer;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;

namespace Harmattan.Benchmarks.EndToEnd;

/// <summary>
/// The whole pipeline on one data set: the three services as separate processes on RabbitMQ, the same workload through
/// <c>harmattan run</c> in one process, and the core and the JSON floor on one thread.
/// </summary>
public static class E2eBenchmark
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan FaultCheckInterval = TimeSpan.FromSeconds(10);
    private const string ServicesDb = "services.db";
    private const string InMemoryDb = "inmemory.db";

    /// <summary>The services store to MongoDB when it is set, to SQLite otherwise; <c>harmattan run</c> always to SQLite.</summary>
    private static string? MongoConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__MongoDb") is { Length: > 0 } mongo ? mongo : null;

    public static async Task<int> RunAsync(E2eOptions options)
    {
        var dataset = new SyntheticDataset(options.Stations, options.Days);
        if (options.KeepData is { } keep)
            Console.WriteLine($"Wrote {dataset.WriteFiles(keep).Count} station files to {Path.GetFullPath(keep)}.");

        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {LastLevelCache()}, .NET {Environment.Version}.");
        Console.WriteLine($"Core and parse-only over {options.Stations} stations x {options.Days} days (one thread)...");
        var core = MeasureCore(dataset);
        Console.WriteLine($"  {core.Readings:N0} readings; core {core.CoreRate:N0}/s, parse-only {core.ParseOnlyRate:N0}/s, largest message {core.MaxMessageBytes:N0} bytes");

        var workDir = Directory.CreateTempSubdirectory("harmattan-bench-").FullName;
        var mongo = MongoConnectionString;
        var mongoDatabase = "harmattan_bench_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            await using var simulator = await AirQinoSimulatorHost.StartAsync(dataset.SimulatorOptions());
            var (e2eRate, peakRss, cpu, harnessCpu, secondHalfLoaderCpu, latencies) = await MeasureServicesAsync(dataset, simulator, workDir, mongo, mongoDatabase, core);
            var (inMemoryRate, inMemoryCpu, inMemoryPeakRss) = await MeasureInMemoryAsync(dataset, simulator, workDir, core.Readings);
            if (mongo is null)
            {
                var (hourlyRows, days) = await StoredResultComparison.AssertEqualAsync(Path.Combine(workDir, ServicesDb), Path.Combine(workDir, InMemoryDb));
                Console.WriteLine($"  the services' stored averages equal harmattan run's, byte for byte: {hourlyRows:N0} hourly rows, {days:N0} days");
            }
            else
            {
                using var client = new MongoClient(MongoRegistration.ClientSettings(mongo));
                var services = new MongoPipelineStore(client, mongoDatabase);
                using var run = new SqlitePipelineStore($"Data Source={Path.Combine(workDir, InMemoryDb)}");
                await services.PrepareForReadingAsync();
                await run.PrepareForReadingAsync();
                var (hourlyRows, days) = await StoredResultComparison.AssertEqualAsync(services, run, dataset.FirstDay, dataset.LastDay);
                Console.WriteLine($"  the services' stored averages in {await MongoTarget.DescribeAsync(mongo)} equal harmattan run's " +
                    $"in SQLite, value for value: {hourlyRows:N0} hourly rows, {days:N0} days");
            }

            double PerMillionReadings(TimeSpan cpuTime) => Math.Round(cpuTime.TotalSeconds * 1e6 / core.Readings, 2);
            var report = new E2eReport
            {
                Readings = core.Readings,
                E2eReadingsPerSecond = Math.Round(e2eRate),
                InMemoryReadingsPerSecond = Math.Round(inMemoryRate),
                InMemoryCpuSecondsPerMillionReadings = inMemoryCpu is { } runCpu ? PerMillionReadings(runCpu) : null,
                InMemoryPeakRssMb = inMemoryPeakRss,
                CoreReadingsPerSecond = Math.Round(core.CoreRate),
                ParseOnlyReadingsPerSecond = Math.Round(core.ParseOnlyRate),
                PeakRssMb = peakRss,
                CpuSecondsPerMillionReadings = cpu.ToDictionary(c => c.Key, c => PerMillionReadings(c.Value)),
                HarnessCpuSecondsPerMillionReadings = PerMillionReadings(harnessCpu),
                LoaderCpuMicrosecondsPerHourlyRow = Math.Round(cpu["loader"].TotalMicroseconds / core.HourlyRows, 1),
                LoaderSecondHalfCpuMicrosecondsPerHourlyRow = secondHalfLoaderCpu is { } steady ? Math.Round(steady, 1) : null,
                MaxMessageBytes = core.MaxMessageBytes,
                HourlyLatencyMs = Percentiles.Of(latencies),
            };
            Console.WriteLine();
            Console.WriteLine(report.ToTable(options));
            if (options.JsonFile is { } json)
                await File.WriteAllTextAsync(json, report.ToJson());
            return 0;
        }
        finally
        {
            Directory.Delete(workDir, recursive: true);
            if (mongo is not null)
                await DropDatabaseAsync(mongo, mongoDatabase);
        }
    }

    /// <summary>Drops the run's own database; a failure is said, not thrown, so that it cannot hide the run's own error.</summary>
    private static async Task DropDatabaseAsync(string mongo, string database)
    {
        try
        {
            using var client = new MongoClient(MongoRegistration.ClientSettings(mongo));
            await client.DropDatabaseAsync(database);
        }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            Console.Error.WriteLine($"The benchmark's database {database} was not dropped ({e.Message}): drop it by hand.");
        }
    }

    /// <summary>
    /// The L3 cache as the operating system reports it. The runtime sizes each process's youngest generation from it,
    /// up to the services' cap, so their peak memory can differ between machines that report different sizes, or none.
    /// </summary>
    private static string LastLevelCache()
    {
        const string caches = "/sys/devices/system/cpu/cpu0/cache";
        var l3Size = !Directory.Exists(caches) ? null : Directory.EnumerateDirectories(caches, "index*")
            .Select(cache => (Level: Path.Combine(cache, "level"), Size: Path.Combine(cache, "size")))
            .Where(cache => File.Exists(cache.Level) && File.Exists(cache.Size) && File.ReadAllText(cache.Level).Trim() == "3")
            .Select(cache => File.ReadAllText(cache.Size).Trim())
            .FirstOrDefault();
        return l3Size is null ? "no L3 size reported" : $"L3 {l3Size} reported";
    }

    private sealed record CoreFigures(long Readings, double CoreRate, double ParseOnlyRate, long MaxMessageBytes, long HourlyRows);

    private static CoreFigures MeasureCore(SyntheticDataset dataset)
    {
        var quality = new QualityOptions();
        var fetchedAt = SyntheticDataset.SeriesEnd.AddHours(1);
        // The source's answer to each command, as the extractor receives them: one window at a time, never a year at
        // once. All made before the timing and held through it (138 MB for a year of 100 stations): made inside,
        // their garbage collections would count as the core's time.
        var answers = dataset.Backfill.Select(station => CorePipeline.Answers(dataset, station)).ToArray();
        Console.WriteLine($"  answers to the backfill's commands: {answers.Sum(station => station.Sum(answer => (long)answer.Body.Length)) / 1e6:N0} MB of JSON");

        long readings = 0;
        var coreTime = TimeSpan.Zero;
        var parseTime = TimeSpan.Zero;
        // Two passes, the first to warm up: tiered compilation reaches the optimised code only after some calls, and
        // later still on a busy machine. The second pass is the one reported.
        for (var pass = 0; pass < 2; pass++)
        {
            readings = 0;
            coreTime = parseTime = TimeSpan.Zero;
            foreach (var station in answers)
            {
                var started = Stopwatch.GetTimestamp();
                foreach (var answer in station)
                    CorePipeline.WalkJson(answer.Body);
                parseTime += Stopwatch.GetElapsedTime(started);

                started = Stopwatch.GetTimestamp();
                readings += CorePipeline.Run(station, fetchedAt, quality);
                coreTime += Stopwatch.GetElapsedTime(started);
            }
            if (pass == 0)
                Thread.Sleep(500);
        }

        // After the timing, not between its steps (the garbage and the compilations it causes slowed the core by a
        // fifth): every message each station causes, serialised as MassTransit sends it.
        long maxBytes = 0, hourlyRows = 0;
        foreach (var station in answers)
        {
            foreach (var answer in station)
                maxBytes = Math.Max(maxBytes, MassTransitJson.Serialize(answer.Command).Length);
            foreach (var fetch in CorePipeline.Extract(station, fetchedAt))
            {
                var averages = AveragesCalculator.Compute(fetch, quality);
                hourlyRows += averages.Hourly.Count;
                maxBytes = Math.Max(maxBytes, MassTransitJson.Serialize(fetch).Length);
                maxBytes = Math.Max(maxBytes, MassTransitJson.Serialize(averages).Length);
            }
        }
        return new CoreFigures(readings, readings / coreTime.TotalSeconds, readings / parseTime.TotalSeconds, maxBytes, hourlyRows);
    }

    private static async Task<(double Rate, IReadOnlyDictionary<string, double> PeakRss, IReadOnlyDictionary<string, TimeSpan> Cpu, TimeSpan HarnessCpu,
        double? SecondHalfLoaderCpuPerHourlyRow, List<double> Latencies)> MeasureServicesAsync(
        SyntheticDataset dataset, AirQinoSimulatorHost simulator, string workDir, string? mongo, string mongoDatabase, CoreFigures core)
    {
        await using var broker = await RabbitMqBroker.StartAsync();
        var dbPath = Path.Combine(workDir, ServicesDb);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = broker.ConnectionString,
            ["Bus__Transport"] = "RabbitMq",
            ["AirQino__BaseUrl"] = simulator.BaseUrl,
        };
        if (mongo is null)
        {
            environment["Storage__Provider"] = "Sqlite";
            environment["ConnectionStrings__Sqlite"] = $"Data Source={dbPath}";
        }
        else
        {
            environment["Storage__Provider"] = "MongoDb";
            environment["ConnectionStrings__MongoDb"] = mongo;
            environment["Storage__MongoDatabase"] = mongoDatabase;
        }

        await using var pipeline = await PipelineServices.StartAsync(environment, TimeSpan.FromMinutes(2));
        var services = pipeline.All;
        Console.WriteLine($"Services ready on RabbitMQ virtual host {broker.VirtualHost} ({environment["Storage__Provider"]} store).");

        using var client = BuildClient(environment);
        await client.StartAsync();
        try
        {
            var progress = ProgressFor(client.Services, dbPath, sqlite: mongo is null);
            var endpoint = await client.Services.GetRequiredService<ISendEndpointProvider>()
                .GetSendEndpoint(BusRegistration.CommandAddress(QueueNames.FetchStationWindow, client.Services));
            var asked = dataset.Backfill;

            Console.WriteLine($"Backfill of {asked.Count} stations x {dataset.Days} days over RabbitMQ...");
            var cpuBefore = CpuTimes(services);
            var harnessBefore = Environment.CpuUsage.TotalTime;
            var started = Stopwatch.GetTimestamp();
            foreach (var station in asked)
                foreach (var command in CorePipeline.Commands(station, requestedBy: "backfill"))
                    await endpoint.Send(command);
            var expectedDays = (long)asked.Count * dataset.Days;
            var stored = new DailyRowsInSentOrder(progress, asked);
            // Sampled again once half the days are stored, to tell the loader's steady cost from its start (its code
            // compiled as the first messages arrive). The days are about the same size, so the days left stand for
            // the hourly rows left.
            (Dictionary<string, TimeSpan> Cpu, long Days)? halfway = null;
            var elapsed = await WaitForAsync(async () =>
            {
                var days = await stored.CountAsync(CancellationToken.None);
                if (halfway is null && days >= expectedDays / 2)
                    halfway = (CpuTimes(services), days);
                return days;
            }, expectedDays, started, broker, services, "daily averages");
            var cpuAfter = CpuTimes(services);
            var harness = Environment.CpuUsage.TotalTime - harnessBefore;
            var cpu = cpuAfter.ToDictionary(c => c.Key, c => c.Value - cpuBefore[c.Key]);
            var (cpuHalfway, daysHalfway) = halfway!.Value;
            // A run so short that one look found every day stored has no second half to tell apart.
            double? secondHalfLoaderCpu = daysHalfway < expectedDays
                ? (cpuAfter["loader"] - cpuHalfway["loader"]).TotalMicroseconds / (core.HourlyRows * (double)(expectedDays - daysHalfway) / expectedDays)
                : null;
            var rate = core.Readings / elapsed.TotalSeconds;
            Console.WriteLine($"  stored {expectedDays:N0} days in {elapsed.TotalSeconds:N1} s: {rate:N0} readings/s");

            var hourly = await progress.HourlyRowsAsync(asked, CancellationToken.None);
            if (hourly != core.HourlyRows)
                throw new InvalidOperationException($"The services stored {hourly:N0} hourly rows; the core computed {core.HourlyRows:N0}.");

            var latencies = await MeasureHourlyLatencyAsync(dataset, endpoint, progress, broker, services);
            var peakRss = services.ToDictionary(s => s.Name.ToLowerInvariant(), s => PeakRssMb(s.Id));
            return (rate, peakRss, cpu, harness, secondHalfLoaderCpu, latencies);
        }
        finally
        {
            await client.StopAsync();
        }
    }

    /// <summary>
    /// The hourly case: every station asks for its last two days at once, as the schedule does; the latency of a station
    /// is from the command sent to both days stored from the new fetch.
    /// </summary>
    private static async Task<List<double>> MeasureHourlyLatencyAsync(SyntheticDataset dataset, ISendEndpoint endpoint,
        IStoredProgress progress, RabbitMqBroker broker, IReadOnlyList<ServiceProcess> services)
    {
        var asked = dataset.StationIds.Select(id => new StationDays(id, TimeZoneInfo.Utc, dataset.LastDay.AddDays(-1), dataset.LastDay)).ToArray();
        Console.WriteLine($"Hourly run: {asked.Length} stations x last 2 days...");
        var notBefore = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        foreach (var station in asked)
            await endpoint.Send(StationSelection.Command(station, requestedBy: "schedule"));

        var latencies = new Dictionary<string, double>(StringComparer.Ordinal);
        var lastProgress = Stopwatch.GetTimestamp();
        var lastFaultCheck = lastProgress;
        while (latencies.Count < asked.Length)
        {
            var waiting = asked.Where(s => !latencies.ContainsKey(s.StationId)).ToList();
            var counts = await progress.DaysFetchedSinceAsync(waiting, notBefore, CancellationToken.None);
            var now = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            foreach (var (station, days) in counts)
                if (days >= 2 && latencies.TryAdd(station, now))
                    lastProgress = Stopwatch.GetTimestamp();
            if (Stopwatch.GetElapsedTime(lastProgress) > IdleTimeout)
                throw await StuckAsync(broker, services, $"{latencies.Count} of {asked.Length} stations of the hourly run stored");
            if (Stopwatch.GetElapsedTime(lastProgress) > FaultCheckInterval && Stopwatch.GetElapsedTime(lastFaultCheck) > FaultCheckInterval)
            {
                await ThrowIfFaultedAsync(broker, services);
                lastFaultCheck = Stopwatch.GetTimestamp();
            }
            await Task.Delay(10);
        }
        return [.. latencies.Values];
    }

    private static async Task<TimeSpan> WaitForAsync(Func<Task<long>> count, long expected, long started, RabbitMqBroker broker,
        IReadOnlyList<ServiceProcess> services, string what)
    {
        long last = -1;
        var lastProgress = Stopwatch.GetTimestamp();
        var lastFaultCheck = lastProgress;
        while (true)
        {
            var now = await count();
            if (now >= expected)
                return Stopwatch.GetElapsedTime(started);
            if (now != last)
            {
                last = now;
                lastProgress = Stopwatch.GetTimestamp();
            }
            if (Stopwatch.GetElapsedTime(lastProgress) > IdleTimeout)
                throw await StuckAsync(broker, services, $"{now:N0} of {expected:N0} {what} stored");
            // rabbitmqctl starts an Erlang node: ask only once progress has stalled, not while measuring a busy pipeline.
            if (Stopwatch.GetElapsedTime(lastProgress) > FaultCheckInterval && Stopwatch.GetElapsedTime(lastFaultCheck) > FaultCheckInterval)
            {
                await ThrowIfFaultedAsync(broker, services);
                lastFaultCheck = Stopwatch.GetTimestamp();
            }
            await Task.Delay(100);
        }
    }

    /// <summary>A message in an <c>_error</c> queue will never be stored: say which, instead of waiting for the idle timeout.</summary>
    private static async Task ThrowIfFaultedAsync(RabbitMqBroker broker, IReadOnlyList<ServiceProcess> services)
    {
        var faulted = (await broker.QueueDepthsAsync()).Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal) && q.Value > 0).ToList();
        if (faulted.Count == 0)
            return;
        var errors = services.SelectMany(s => s.Output.Split('\n').Where(l => l.Contains("\"@l\":\"Error\"", StringComparison.Ordinal)
                                                                                 || l.Contains("Exception", StringComparison.Ordinal)).TakeLast(3));
        throw new InvalidOperationException(
            $"Messages failed: {string.Join(", ", faulted.Select(q => $"{q.Key}={q.Value}"))}.\n{string.Join('\n', errors)}");
    }

    private static async Task<Exception> StuckAsync(RabbitMqBroker broker, IReadOnlyList<ServiceProcess> services, string state)
    {
        var queues = await broker.QueueDepthsAsync();
        var output = string.Join("\n", services.Select(s => $"--- {s.Name} (last lines) ---\n" +
                                                          string.Join('\n', s.Output.Split('\n').TakeLast(20))));
        return new TimeoutException(
            $"No progress for {IdleTimeout}: {state}. Queues: {string.Join(", ", queues.Select(q => $"{q.Key}={q.Value}"))}\n{output}");
    }

    private static IHost BuildClient(IReadOnlyDictionary<string, string> environment)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(environment.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":"), (string?)e.Value)));
        builder.Logging.ClearProviders();
        if (builder.Configuration["Storage:Provider"] == "MongoDb")
            builder.Services.AddPipelineStore(builder.Configuration);
        builder.Services.AddHarmattanBus(builder.Configuration, _ => { });
        return builder.Build();
    }

    private static IStoredProgress ProgressFor(IServiceProvider services, string dbPath, bool sqlite) =>
        sqlite ? new SqliteProgress(dbPath) : new StoreProgress(services.GetRequiredService<IPipelineStore>());

    /// <summary>
    /// <c>harmattan run --once</c> on the same stations and days, timed from the process start to its "Stored" line
    /// (so it includes the host start-up, which the services had already done), with the CPU time the process had
    /// used by then and its peak resident set (none if it ended before they were read).
    /// </summary>
    private static async Task<(double Rate, TimeSpan? Cpu, double? PeakRssMb)> MeasureInMemoryAsync(SyntheticDataset dataset, AirQinoSimulatorHost simulator, string workDir,
        long readings)
    {
        Console.WriteLine("The same workload through `harmattan run --once` (one process, in-memory bus, SQLite)...");
        var arguments = new List<string>
        {
            "run", "--once", "--from", dataset.FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "--to", dataset.LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "--airqino-url", simulator.BaseUrl, "--db", Path.Combine(workDir, InMemoryDb), "--timeout", "01:00:00",
        };
        foreach (var id in dataset.StationIds)
            arguments.AddRange(["--station", id]);

        var started = Stopwatch.GetTimestamp();
        await using var run = ServiceProcess.StartCli(arguments, new Dictionary<string, string> { ["Storage__Provider"] = "Sqlite" });
        var expected = $"Stored {(long)dataset.StationIds.Count * dataset.Days} days";
        while (!run.Output.Contains(expected, StringComparison.Ordinal))
        {
            if (run.HasExited)
                throw new InvalidOperationException($"harmattan run exited before storing every day:\n{run.Output}");
            await Task.Delay(50);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        var (cpu, peakRss) = CpuAndPeakRss(run.Id);
        var exit = await run.WaitForExitAsync(TimeSpan.FromMinutes(10));
        if (exit != 0)
            throw new InvalidOperationException($"harmattan run exited {exit}:\n{run.Output}");
        var rate = readings / elapsed.TotalSeconds;
        Console.WriteLine($"  {elapsed.TotalSeconds:N1} s: {rate:N0} readings/s");
        return (rate, cpu, peakRss);
    }

    /// <summary>
    /// Read while <c>harmattan run</c> prints its table and stops: a process that has ended has neither left to read,
    /// and a small run can end within the 50 ms between two looks at its output.
    /// </summary>
    private static (TimeSpan? Cpu, double? PeakRssMb) CpuAndPeakRss(int pid)
    {
        try
        {
            return (Process.GetProcessById(pid).TotalProcessorTime, PeakRssMb(pid));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            Console.WriteLine("  harmattan run ended before its CPU time and peak memory could be read: left out of the table");
            return (null, null);
        }
    }

    /// <summary>
    /// CPU time so far of each service process and of the RabbitMQ node on this machine (the Erlang VM, <c>beam.smp</c>;
    /// left out when the broker runs elsewhere).
    /// </summary>
    private static Dictionary<string, TimeSpan> CpuTimes(IReadOnlyList<ServiceProcess> services)
    {
        var times = services.ToDictionary(s => s.Name.ToLowerInvariant(), s => Process.GetProcessById(s.Id).TotalProcessorTime);
        var brokers = Process.GetProcessesByName("beam.smp");
        if (brokers.Length > 0)
            times["rabbitmq"] = brokers.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.TotalProcessorTime);
        return times;
    }

    /// <summary>VmHWM of a live process: its peak resident set so far, in MiB.</summary>
    public static double PeakRssMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return Math.Round(long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0, 1);
        throw new InvalidOperationException($"/proc/{pid}/status has no VmHWM line.");
    }
}

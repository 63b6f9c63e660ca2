using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Harmattan.Benchmarks.EndToEnd;
using Harmattan.Benchmarks.MongoWrites;

namespace Harmattan.Benchmarks;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "e2e":
                if (!E2eOptions.TryParse(args[1..], out var options, out var error))
                {
                    await Console.Error.WriteLineAsync(error + "\n\n" + E2eOptions.Usage);
                    return 2;
                }
                return await E2eBenchmark.RunAsync(options);
            case "mongo-writes":
                return await MongoWriteBenchmark.RunAsync(args[1..]);
            case "micro":
                // In-process: no per-benchmark project build on a busy machine; pass BenchmarkDotNet's own switches after "micro".
                var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsDefault());
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..], config);
                return 0;
            default:
                await Console.Error.WriteLineAsync(
                    "usage: dotnet run -c Release --project tests/Harmattan.Benchmarks -- micro [BenchmarkDotNet arguments, e.g. --filter '*']\n" +
                    "       dotnet run -c Release --project tests/Harmattan.Benchmarks -- " + E2eOptions.Usage + "\n" +
                    "       dotnet run -c Release --project tests/Harmattan.Benchmarks -- " + MongoWriteBenchmark.Usage);
                return 2;
        }
    }
}

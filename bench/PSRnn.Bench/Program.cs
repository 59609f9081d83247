using BenchmarkDotNet.Running;

// dotnet pwsh ./build.ps1 -Task Bench [-BenchFilter '*Gemm*'], or dotnet run -c Release -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(PSRnn.Bench.GemmBenchmarks).Assembly).Run(args);

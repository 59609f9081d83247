using PSRnn.Fuzz;
using SharpFuzz;

// afl-fuzz … dotnet PSRnn.Fuzz.dll <target>: SharpFuzz feeds each input through stdin; an exception that escapes
// FuzzTargets.Run is a crash. `dotnet PSRnn.Fuzz.dll <target> <file>…` replays inputs without AFL.
if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: PSRnn.Fuzz <{string.Join("|", FuzzTargets.Names)}> [file…]");
    return 2;
}

string target = args[0];
string scratch = Path.Combine(Path.GetTempPath(), $"psrnn-fuzz-{target}-{Environment.ProcessId}.bin");
if (args.Length > 1)
{
    foreach (string file in args.Skip(1))
    {
        Console.WriteLine($"{file}: {FuzzTargets.Run(target, File.ReadAllBytes(file), scratch) ?? "parsed"}");
    }

    return 0;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    FuzzTargets.Run(target, buffer.ToArray(), scratch);
});
return 0;

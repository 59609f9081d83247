namespace PSRnn.Engine.Tests.Reliability;

/// <summary>Tests that measure the process's allocations and heap run alone, after the parallel tests, so nothing else allocates.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurements
{
    public const string Name = "Memory measurements";
}

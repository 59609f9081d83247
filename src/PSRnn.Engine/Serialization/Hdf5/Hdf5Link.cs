namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>A link in a group: a hard link to an object header, or a soft link's path (resolved once the tree is read).</summary>
internal sealed record Hdf5Link(string Name, ulong Address, string? SoftPath)
{
    public bool IsSoft => SoftPath is not null;
}

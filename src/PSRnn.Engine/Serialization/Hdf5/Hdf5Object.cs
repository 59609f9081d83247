namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>An object of the file (group, dataset or other), with its messages and, for a group, its links by name.</summary>
internal sealed class Hdf5Object(ulong address, List<Hdf5Message> messages)
{
    public ulong Address { get; } = address;

    public IReadOnlyList<Hdf5Message> Messages { get; } = messages;

    /// <summary>The group's links by name; null for an object that is not a group.</summary>
    public Dictionary<string, Hdf5Link>? Links { get; set; }

    /// <summary>The dataset's description; null for an object that is not a dataset.</summary>
    public Hdf5Dataset? Dataset { get; set; }

    public bool IsGroup => Links is not null;

    /// <summary>The attribute messages by name, built on first use (so a lookup is not a scan of the header).</summary>
    public Dictionary<string, Hdf5Message>? AttributeIndex { get; set; }

    public Hdf5Message? Find(ushort type)
    {
        foreach (Hdf5Message m in Messages)
        {
            if (m.Type == type)
            {
                return m;
            }
        }

        return null;
    }
}

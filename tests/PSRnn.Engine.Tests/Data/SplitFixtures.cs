using System.Text.Json;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Data;

/// <summary>Reads tests/fixtures/split/split_cases.json, written by make_fixtures.py with scikit-learn and NumPy.</summary>
internal static class SplitFixtures
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "split", "split_cases.json"))));

    /// <summary>The cases of one section (<c>split</c>, <c>onehot</c>, …).</summary>
    public static JsonElement Section(string name) => Document.Value.RootElement.GetProperty(name);

    /// <summary>One case of a section.</summary>
    public static JsonElement Case(string name, int index) => Section(name)[index];

    /// <summary>Case indices of a section, as theory data: one test per case.</summary>
    public static TheoryData<int> Indices(string name)
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Section(name).GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static int[]? IntsOrNull(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : Ints(value);

    /// <summary>A tensor of <paramref name="dtype"/> from the fixture's float values.</summary>
    public static Tensor MakeTensor(DType dtype, double[] values, int[] shape)
    {
        Array data = dtype switch
        {
            DType.Bool => values.Select(v => v != 0).ToArray(),
            DType.Float16 => values.Select(v => (Half)v).ToArray(),
            DType.Float32 => values.Select(v => (float)v).ToArray(),
            DType.Float64 => values,
            DType.Int8 => values.Select(v => (sbyte)v).ToArray(),
            DType.UInt8 => values.Select(v => (byte)v).ToArray(),
            DType.Int16 => values.Select(v => (short)v).ToArray(),
            DType.UInt16 => values.Select(v => (ushort)v).ToArray(),
            DType.Int32 => values.Select(v => (int)v).ToArray(),
            DType.UInt32 => values.Select(v => (uint)v).ToArray(),
            DType.Int64 => values.Select(v => (long)v).ToArray(),
            DType.UInt64 => values.Select(v => (ulong)v).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
        };
        return new Tensor(data, shape);
    }
}

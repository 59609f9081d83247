using System.Buffers.Binary;
using PSRnn.Engine.Serialization.Onnx;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Hand-made ONNX files for the hostile-input tests: a ModelProto written field by field (onnx.proto's numbers) with
/// whatever dims, data and attributes a recipe needs — including the ones no exporter would write.
/// </summary>
internal sealed class OnnxBytes
{
    private readonly List<Action<ProtoWriter>> _graph = [];

    public const int Float = 1, Int64 = 7;

    /// <summary>A graph input (or output, with <paramref name="output"/>) of element type <paramref name="type"/>; a dim is a size or a name.</summary>
    public OnnxBytes Value(string name, int type, object[] dims, bool output = false)
    {
        _graph.Add(g => g.WriteMessage(output ? 12 : 11, v =>
        {
            v.WriteString(1, name);
            v.WriteMessage(2, t => t.WriteMessage(1, tensor =>
            {
                tensor.WriteInt64(1, type);
                tensor.WriteMessage(2, shape =>
                {
                    foreach (object d in dims)
                    {
                        shape.WriteMessage(1, dim =>
                        {
                            if (d is string param)
                            {
                                dim.WriteString(2, param);
                            }
                            else
                            {
                                dim.WriteInt64(1, Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture));
                            }
                        });
                    }
                });
            }));
        }));
        return this;
    }

    /// <summary>The graph output (float, shape not given).</summary>
    public OnnxBytes Output(string name) => Value(name, Float, [], output: true);

    /// <summary>An initializer with raw data, any dims and data type.</summary>
    public OnnxBytes Initializer(string name, long[] dims, byte[] raw, int type = Float)
    {
        _graph.Add(g => g.WriteMessage(5, t => Tensor(t, name, dims, raw, type)));
        return this;
    }

    /// <summary>A float initializer.</summary>
    public OnnxBytes Floats(string name, long[] dims, float[] values) => Initializer(name, dims, Raw(values));

    /// <summary>An int64 initializer.</summary>
    public OnnxBytes Int64s(string name, long[] dims, long[] values)
    {
        var raw = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        }

        return Initializer(name, dims, raw, Int64);
    }

    /// <summary>A node (written by the exporter's own <see cref="OnnxNode"/>); attributes from <see cref="Int"/>, <see cref="Ints"/>.</summary>
    public OnnxBytes Node(string op, string[] inputs, string[] outputs, string name = "", params OnnxAttribute[] attributes)
    {
        _graph.Add(g => g.WriteMessage(1, new OnnxNode(op, name, inputs, outputs, attributes).WriteTo));
        return this;
    }

    public static OnnxAttribute Int(string name, long value) => OnnxAttribute.Int(name, value);

    public static OnnxAttribute Ints(string name, params long[] values) => OnnxAttribute.Ints(name, values);

    public static byte[] Raw(float[] values)
    {
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        }

        return raw;
    }

    /// <summary>The ModelProto: IR 8, opset 17, this graph.</summary>
    public byte[] ToArray()
    {
        var model = new ProtoWriter();
        model.WriteInt64(1, 8);
        model.WriteString(2, "hostile");
        model.WriteMessage(7, g =>
        {
            g.WriteString(2, "hostile");
            foreach (Action<ProtoWriter> part in _graph)
            {
                part(g);
            }
        });
        model.WriteMessage(8, o => o.WriteInt64(2, 17));
        return model.ToArray();
    }

    private static void Tensor(ProtoWriter t, string name, long[] dims, byte[] raw, int type)
    {
        foreach (long d in dims)
        {
            t.WriteInt64(1, d);
        }

        t.WriteInt64(2, type);
        t.WriteString(8, name);
        t.WriteBytes(9, raw);
    }
}

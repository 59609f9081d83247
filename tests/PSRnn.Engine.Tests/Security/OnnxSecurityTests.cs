using System.Globalization;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization.Onnx;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12, items 9 and 5 for ONNX: every size the file gives is checked in 64 bits before it becomes an int (dims
/// (4, 2^62) wrapped to 0 elements, (4, 2^62 + 3) to 12, hidden_size 2^30 made 4·H wrap, 2^32 + 4 became 4), no node's
/// work grows with what the file repeats, and chains of thousands of layers load in linear time. Each file is made here.
/// </summary>
public sealed class OnnxSecurityTests
{
    private const long TwoTo62 = 1L << 62;

    private static OnnxImportResult Import(byte[] file) => OnnxImporter.Import(file, "hostile.onnx");

    private static DataFormatException Refused(byte[] file)
    {
        Assert.True(file.Length <= 1 << 20, $"the file is {file.Length} bytes");
        return Assert.Throws<DataFormatException>(() => ModelFileCost.Within(() => Import(file)));
    }

    private static OnnxImportResult Loads(byte[] file)
    {
        Assert.True(file.Length <= 1 << 20, $"the file is {file.Length} bytes");
        return ModelFileCost.Within(() => Import(file));
    }

    private static OnnxBytes Dense(int features) => new OnnxBytes().Value("x", OnnxBytes.Float, ["batch", features]);

    [Fact]
    public void ATensorWhoseElementCountWrapsToZeroIsOnnxTooLarge()
    {
        // (4, 2^62) with empty raw_data: 4·2^62 wrapped to 0 and loaded as Dense(0) — then ArgumentOutOfRangeException.
        byte[] dense = Dense(4).Initializer("w", [4, TwoTo62], []).Node("MatMul", ["x", "w"], ["y"]).Output("y").ToArray();
        Assert.Equal(OnnxImporter.TooLargeErrorId, Refused(dense).ErrorId);
        // The same table as an Embedding(4, 0).
        byte[] embedding = new OnnxBytes().Value("ids", OnnxBytes.Int64, ["batch", 5]).Initializer("t", [4, TwoTo62], [])
            .Node("Gather", ["t", "ids"], ["y"]).Output("y").ToArray();
        DataFormatException e = Refused(embedding);
        Assert.Equal("OnnxTooLarge", e.ErrorId);
        Assert.Equal(DataErrorKind.LimitsExceeded, e.Kind);
        Assert.Contains("more values than one array holds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATensorWhoseElementCountWrapsToAPlausibleOneIsOnnxTooLarge()
    {
        // (4, 2^62 + 3): 4·(2^62 + 3) wrapped to 12, so 48 bytes of data loaded silently as Dense(3).
        byte[] file = Dense(4).Initializer("w", [4, TwoTo62 + 3], OnnxBytes.Raw(new float[12]))
            .Node("MatMul", ["x", "w"], ["y"]).Output("y").ToArray();
        Assert.Equal("OnnxTooLarge", Refused(file).ErrorId);
    }

    /// <summary>x (time, batch, 3) → LSTM(hidden_size) → Y_h, squeezed to (batch, H): a whole model when the sizes fit.</summary>
    private static byte[] Lstm(long hidden, long[] wDims, long[] rDims, string pick = "squeeze", long index = 0)
    {
        long wCount = wDims.Aggregate(1L, (a, b) => a * b), rCount = rDims.Aggregate(1L, (a, b) => a * b);
        OnnxBytes g = new OnnxBytes().Value("x", OnnxBytes.Float, ["time", "batch", 3])
            .Floats("W", wDims, new float[wCount]).Floats("R", rDims, new float[rCount])
            .Node("LSTM", ["x", "W", "R"], ["y", "yh"], "lstm", OnnxBytes.Int("hidden_size", hidden));
        g = pick == "squeeze"
            ? g.Node("Squeeze", ["yh"], ["h"], "", OnnxBytes.Ints("axes", 0))
            : g.Int64s("i", [], [index]).Node("Gather", ["yh", "i"], ["h"], "", OnnxBytes.Int("axis", 0));
        return g.Output("h").ToArray();
    }

    [Fact]
    public void AHiddenSizeWhoseGateCountWrapsIsOnnxTooLarge()
    {
        // hidden_size 2^30: 4·H wrapped to 0, so W (1, 0, 3) and R (1, 0, 2^30) "fitted" and the layer was cut apart.
        DataFormatException e = Refused(Lstm(1L << 30, [1, 0, 3], [1, 0, 1L << 30]));
        Assert.Equal("OnnxTooLarge", e.ErrorId);
        Assert.Contains("hidden_size 1073741824", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHiddenSizePastThirtyTwoBitsIsNotTruncated()
    {
        // 2^32 + 4 was read as 4: weights made for LSTM(4) loaded under a hidden_size they do not have.
        Assert.Equal("OnnxTooLarge", Refused(Lstm((1L << 32) + 4, [1, 16, 3], [1, 16, 4])).ErrorId);
        // The control: hidden_size 4 with the same weights is LSTM(4).
        Sequential model = Loads(Lstm(4, [1, 16, 3], [1, 16, 4])).Model;
        Assert.Equal(4, Assert.IsType<Lstm>(Assert.Single(model.Layers)).Units);
    }

    [Fact]
    public void AFinalStateIndexPastThirtyTwoBitsIsNotEntryZero()
    {
        Assert.Equal("OnnxUnsupportedGraph", Refused(Lstm(4, [1, 16, 3], [1, 16, 4], "gather", 1L << 32)).ErrorId);
        Assert.Single(Loads(Lstm(4, [1, 16, 3], [1, 16, 4], "gather", 0)).Model.Layers);
    }

    [Fact]
    public void AnInputSizePastThirtyTwoBitsIsNotTruncated()
    {
        // 2^32 + 4 features were read as 4.
        byte[] file = new OnnxBytes().Value("x", OnnxBytes.Float, ["batch", (1L << 32) + 4]).Floats("w", [4, 2], new float[8])
            .Node("MatMul", ["x", "w"], ["y"]).Output("y").ToArray();
        Assert.Equal("OnnxTooLarge", Refused(file).ErrorId);
        // -(2^32) + 5 steps would have been 5.
        byte[] negative = new OnnxBytes().Value("x", OnnxBytes.Float, ["batch", 5 - (1L << 32), 4]).Floats("w", [4, 2], new float[8])
            .Node("MatMul", ["x", "w"], ["y"]).Output("y").ToArray();
        Assert.Equal("OnnxCorrupt", Refused(negative).ErrorId);
    }

    [Fact]
    public void ADataTypePastThirtyTwoBitsIsCorrupt()
    {
        // data_type 2^32 + 1 was read as 1 (float).
        Assert.Equal("OnnxCorrupt", Refused(WithWideDataType()).ErrorId);
    }

    private static byte[] WithWideDataType()
    {
        var writer = new ProtoWriter();
        writer.WriteInt64(1, 8);
        writer.WriteMessage(7, g =>
        {
            g.WriteMessage(5, t =>
            {
                t.WriteInt64(1, 2);
                t.WriteInt64(1, 2);
                t.WriteInt64(2, (1L << 32) + 1);
                t.WriteString(8, "w");
                t.WriteBytes(9, OnnxBytes.Raw(new float[4]));
            });
        });
        return writer.ToArray();
    }

    [Fact]
    public void EmptyMatricesAndTablesAreUnsupportedNotRawErrors()
    {
        // Dense(0) and Embedding(4, 0) threw ArgumentOutOfRangeException from the layers' constructors.
        Assert.Equal("OnnxUnsupportedGraph", Refused(Dense(4).Initializer("w", [4, 0], []).Node("MatMul", ["x", "w"], ["y"]).Output("y").ToArray()).ErrorId);
        Assert.Equal("OnnxUnsupportedGraph", Refused(Dense(4).Initializer("w", [0, 4], []).Node("Gemm", ["x", "w"], ["y"], "", OnnxBytes.Int("transB", 1)).Output("y").ToArray()).ErrorId);
        byte[] table = new OnnxBytes().Value("ids", OnnxBytes.Int64, ["batch", 5]).Initializer("t", [4, 0], [])
            .Node("Gather", ["t", "ids"], ["y"]).Output("y").ToArray();
        Assert.Equal("OnnxUnsupportedGraph", Refused(table).ErrorId);
    }

    [Fact]
    public void ATensorOfMoreThanThirtyTwoAxesIsOnnxTooLarge()
    {
        long[] dims = [.. Enumerable.Repeat(1L, 33)];
        Assert.Equal("OnnxTooLarge", Refused(Dense(1).Initializer("w", dims, OnnxBytes.Raw([1f])).ToArray()).ErrorId);
    }

    [Fact]
    public void ManyNodesBroadcastingABiasOverOneLargeProductCostNothingUntilBuilt()
    {
        // 5,000 Add nodes each broadcast a scalar bias over a (1, 200,000) product: each allocated 800 KB before (4 GB).
        const int units = 200_000, adds = 5_000;
        OnnxBytes g = Dense(1).Floats("w", [1, units], [.. Enumerable.Range(0, units).Select(i => i * 1e-3f)])
            .Floats("b", [], [0.5f]).Node("MatMul", ["x", "w"], ["m"]);
        for (int i = 0; i < adds; i++)
        {
            g = g.Node("Add", ["m", "b"], [string.Create(CultureInfo.InvariantCulture, $"a{i}")]);
        }

        Sequential model = Loads(g.Output("a4999").ToArray()).Model;
        Dense dense = Assert.IsType<Dense>(Assert.Single(model.Layers));
        Assert.Equal(units, dense.Units);
        Assert.All(dense.Parameters[1].Value, v => Assert.Equal(0.5f, v));
        Assert.Equal(2e-3f, dense.Parameters[0].Value[2]);
    }

    [Fact]
    public void LayersSharingOneInitializerManyTimesAreOnnxTooLarge()
    {
        // 1,000 MatMuls reuse one 250×250 matrix: a 250 KB file describing 250 MB of layers.
        OnnxBytes g = Dense(250).Floats("w", [250, 250], new float[250 * 250]);
        string x = "x";
        for (int i = 0; i < 1_000; i++)
        {
            string y = string.Create(CultureInfo.InvariantCulture, $"y{i}");
            g = g.Node("MatMul", [x, "w"], [y]);
            x = y;
        }

        DataFormatException e = Refused(g.Output(x).ToArray());
        Assert.Equal("OnnxTooLarge", e.ErrorId);
        Assert.Contains("share weight tensors", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeadBranchesThatDoubleWhatTheyHoldAreBounded()
    {
        // Side branches the output does not use still ran: Concat(s, s) forty times doubled a shape to 2^40 entries, the
        // same with final states; a node with 100,000 outputs and a 300 KB name made a 300 KB message per output; 1,000
        // Gathers of a shape by 100,000 indices made 100,000 entries each.
        OnnxBytes g = new OnnxBytes().Value("x", OnnxBytes.Float, ["time", "batch", 3])
            .Floats("W", [1, 8, 3], new float[24]).Floats("R", [1, 8, 2], new float[16])
            .Node("LSTM", ["x", "W", "R"], ["y", "yh"], "lstm", OnnxBytes.Int("hidden_size", 2))
            .Node("Shape", ["x"], ["s0"]);
        for (int i = 1; i <= 40; i++)
        {
            string prev = string.Create(CultureInfo.InvariantCulture, $"s{i - 1}"), prevState = i == 1 ? "yh" : $"h{i - 1}";
            g = g.Node("Concat", [prev, prev], [$"s{i}"], "", OnnxBytes.Int("axis", 0))
                .Node("Concat", [prevState, prevState], [$"h{i}"], "", OnnxBytes.Int("axis", 0));
        }

        g = g.Node("Identity", ["x"], ["id", .. Enumerable.Range(0, 100_000).Select(i => "o" + i.ToString(CultureInfo.InvariantCulture))], new string('n', 300_000));
        g = g.Int64s("many", [100_000], new long[100_000]);
        for (int i = 0; i < 1_000; i++)
        {
            g = g.Node("Gather", ["s0", "many"], ["g" + i.ToString(CultureInfo.InvariantCulture)]);
        }

        g = g.Node("Squeeze", ["yh"], ["out"], "", OnnxBytes.Ints("axes", 0)).Output("out");
        byte[] file = g.ToArray();
        Assert.True(file.Length <= 2 << 20, $"{file.Length}");
        Sequential model = ModelFileCost.Within(() => Import(file)).Model;
        Assert.IsType<Lstm>(Assert.Single(model.Layers));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(4_000)]
    [InlineData(20_000)]
    public void ChainsOfThousandsOfMatMulAddLoadInLinearTime(int count)
    {
        // Item 5: each Dense took a scan of every layer to be named; 20,000 never finished.
        OnnxBytes g = Dense(1);
        string x = "x";
        for (int i = 0; i < count; i++)
        {
            string n = i.ToString(CultureInfo.InvariantCulture);
            g = g.Floats("w" + n, [1, 1], [1f]).Floats("b" + n, [1], [i]).Node("MatMul", [x, "w" + n], ["m" + n]).Node("Add", ["m" + n, "b" + n], ["a" + n]);
            x = "a" + n;
        }

        byte[] file = g.Output(x).ToArray();
        Sequential model = ModelFileCost.Within(() => Import(file)).Model;
        Assert.Equal(count, model.Layers.Count);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"dense_{count - 1}"), model.Layers[^1].Name);
        Assert.Equal(count - 1, model.Layers[^1].Parameters[1].Value[0]);
    }

    [Fact]
    public void AModelOfTwentyThousandLayersExportsAndImportsInLinearTime()
    {
        // The exporter named nodes by scanning every node (quadratic) too.
        var model = new Sequential(SampleShape.Vector(1), seed: 2);
        for (int i = 0; i < 20_000; i++)
        {
            model.Add(new Dense(1));
        }

        byte[] file = ModelFileCost.Within(() =>
        {
            using var stream = new MemoryStream();
            OnnxExporter.Export(model, stream);
            return stream.ToArray();
        });
        Sequential back = ModelFileCost.Within(() => Import(file)).Model;
        Assert.Equal(model.SnapshotWeights(), back.SnapshotWeights());
    }

    [Fact]
    public void TheHandMadeFilesAreReadAsWritten()
    {
        // The control for the builder above: a float initializer through a whole model.
        Sequential model = Loads(Dense(2).Floats("w", [2, 1], [2f, 3f]).Node("MatMul", ["x", "w"], ["y"]).Output("y").ToArray()).Model;
        Assert.Equal([2f, 3f], model.Layers[0].Parameters[0].Value);
    }
}

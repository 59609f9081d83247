using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Workloads;

/// <summary>
/// One reference workload of WORKLOADS.md, with the same fields as torch_peer.py's WORKLOADS table: cell, batch B,
/// steps T, features I (the vocabulary for the char LM), stacked hidden sizes H, classes C, loss on every step,
/// embedding width, inference only.
/// </summary>
internal sealed record Workload(string Name, string Cell, int B, int T, int I, int[] H, int C,
    bool AllSteps = false, int Emb = 0, bool InferOnly = false)
{
    /// <summary>The workloads in WORKLOADS.md order (the peer's names).</summary>
    public static IReadOnlyList<Workload> All { get; } =
    [
        new("W1_seed", "lstm", 32, 1, 22050, [128, 128], 62),
        new("W2_seqmnist", "lstm", 32, 28, 28, [128, 128], 10),
        new("W3_mfcc_gru", "gru", 64, 100, 40, [256], 10),
        new("W3_mfcc_lstm", "lstm", 64, 100, 40, [256], 10),
        new("W4_charlm", "lstm", 32, 100, 65, [512], 65, AllSteps: true, Emb: 64),
        new("W5_latency", "lstm", 1, 50, 40, [128], 10, InferOnly: true),
        new("W6_simple", "rnn", 32, 28, 28, [128], 10),
    ];

    /// <summary>
    /// Workloads of this runner's own, not the peer's (not run by default; named with --workloads): W5 with LSTM(512),
    /// whose 4 MB recurrent kernel does not fit a core's L2, for the weight precisions' batch-1 figure.
    /// </summary>
    public static IReadOnlyList<Workload> Extra { get; } =
    [
        new("W5_latency512", "lstm", 1, 50, 40, [512], 10, InferOnly: true),
    ];

    /// <summary>The cells <c>--cells</c> may swap in: the same workload with another recurrent layer.</summary>
    public static IReadOnlyList<string> Cells { get; } = ["lstm", "gru", "rnn", "mingru", "minlstm"];

    /// <summary>This workload's shape with <paramref name="cell"/> layers (named workload/cell).</summary>
    public Workload WithCell(string cell) => Cells.Contains(cell)
        ? this with { Name = $"{Name}/{cell}", Cell = cell }
        : throw new ArgumentException($"Unknown cell '{cell}'; known: {string.Join(", ", Cells)}.", nameof(cell));

    /// <summary>Floats of input per sample.</summary>
    public long InputFloatsPerSample => Emb > 0 ? T : (long)T * I;

    /// <summary>
    /// Matrix-product FLOPs of one forward pass over one batch, counted as WORKLOADS.md (and torch_peer.fwd_flops) does:
    /// 2·g·H·(I+H)·B per recurrent step, 2·H·C·B per step the Dense layer is applied to.
    /// </summary>
    public double ForwardFlopsPerBatch
    {
        get
        {
            int g = Cell switch { "lstm" => 4, "gru" or "minlstm" => 3, "mingru" => 2, _ => 1 };
            bool recurrentKernel = Cell is not ("mingru" or "minlstm");
            double inputs = Emb > 0 ? Emb : I;
            double flops = 0;
            foreach (int h in H)
            {
                // minGRU and minLSTM have no recurrent kernel: their gates are the input product alone.
                flops += 2.0 * g * h * (inputs + (recurrentKernel ? h : 0)) * B * T;
                inputs = h;
            }

            return flops + (2.0 * inputs * C * B * (AllSteps ? T : 1));
        }
    }

    /// <summary>
    /// The Keras-style model: [Embedding →] recurrent layers (all but the last returning sequences, the last too when
    /// the loss is on every step) → Dense(C, softmax). Keras's defaults otherwise (GRU reset_after, as PyTorch's GRU).
    /// </summary>
    public Sequential BuildModel(ulong seed)
    {
        var model = new Sequential(Emb > 0 ? SampleShape.Vector(T) : SampleShape.Sequence(T, I), Name, seed);
        if (Emb > 0)
        {
            model.Add(new Embedding(I, Emb));
        }

        for (int l = 0; l < H.Length; l++)
        {
            bool sequences = l < H.Length - 1 || AllSteps;
            model.Add(Cell switch
            {
                "lstm" => new Lstm(H[l], returnSequences: sequences),
                "gru" => new Gru(H[l], returnSequences: sequences),
                "mingru" => new MinGru(H[l], returnSequences: sequences),
                "minlstm" => new MinLstm(H[l], returnSequences: sequences),
                _ => new SimpleRnn(H[l], returnSequences: sequences),
            });
        }

        model.Add(new Dense(C, ActivationKind.Softmax));
        return model;
    }

    /// <summary>
    /// <paramref name="count"/> synthetic samples: standard-normal features (token ids for the char LM) and uniform class
    /// labels, one per sample or, for the char LM, one per step (sparse labels, as the peer's CrossEntropyLoss takes).
    /// </summary>
    public (Tensor X, Tensor Y) MakeData(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[count * InputFloatsPerSample];
        for (long i = 0; i < x.LongLength; i++)
        {
            x[i] = Emb > 0 ? rng.NextInt(I) : (float)rng.Normal();
        }

        int labelsPerSample = AllSteps ? T : 1;
        var y = new long[count * labelsPerSample];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = rng.NextInt(C);
        }

        Tensor xs = Emb > 0 ? new Tensor(x, count, T) : new Tensor(x, count, T, I);
        Tensor ys = AllSteps ? new Tensor(y, count, T) : new Tensor(y, count);
        return (xs, ys);
    }
}

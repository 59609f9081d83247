namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>AUC</c> metric with its defaults (num_thresholds 200, summation_method 'interpolation',
/// multi_label false): the area under the ROC or PR curve from confusion counts at 200 thresholds, accumulated over the
/// epoch's batches (not a mean of per-batch areas). Every element is one binary decision, as in <see cref="Precision"/>.
/// </summary>
/// <remarks>
/// Keras's thresholds are <c>−ε, 1/199, …, 198/199, 1 + ε</c>. Its evenly-spaced fast path, followed exactly: a
/// prediction clipped to [0, 1] falls in bucket <c>max(ceil(p·199) − 1, 0)</c> (in float32, as Keras computes it), and
/// TP(i), FP(i) are the counts in buckets i and above. ROC: <c>Σ_i (FPR_i − FPR_{i+1})(R_i + R_{i+1})/2</c>. PR (Davis &amp;
/// Goadrich): with P = TP + FP, slope = ΔTP / max(ΔP, 0) and intercept = TP_{i+1} − slope·P_{i+1}, the area is
/// <c>Σ_i slope·(ΔTP + intercept·log(P_i / P_{i+1})) / (TP_{i+1} + FN_{i+1})</c>, each division 0 where its divisor is 0
/// and the log ratio 1 unless both P are positive. 0 when the epoch had no positive (or no negative, for ROC) target.
/// Weighted (-WeightedMetric), each element adds its row's sample weight to its bucket instead of 1, as Keras's
/// segment sums of <c>y_true·w</c> and <c>(1 − y_true)·w</c>; a zero total weight gives 0.
/// </remarks>
public sealed class Auc : Metric
{
    private const int Thresholds = 200;
    // Per-bucket counts (weight sums when weighted; whole numbers, exact, when not).
    private readonly double[] _positives = new double[Thresholds];
    private readonly double[] _negatives = new double[Thresholds];
    private long _seen;

    /// <summary>Creates the metric.</summary>
    /// <param name="curve">ROC (Keras's default) or PR.</param>
    /// <param name="name">The name to report under; null for <c>auc</c> (ROC) or <c>pr_auc</c> (PR).</param>
    public Auc(AucCurve curve = AucCurve.Roc, string? name = null)
        : base(name ?? (curve == AucCurve.PR ? "pr_auc" : null)) => Curve = curve;

    /// <summary>The curve measured.</summary>
    public AucCurve Curve { get; }

    /// <inheritdoc/>
    public override string KerasName => "auc";

    /// <inheritdoc/>
    public override double Result => _seen == 0 ? double.NaN : Curve == AucCurve.Roc ? Roc() : Pr();

    /// <inheritdoc/>
    public override void Reset()
    {
        Array.Clear(_positives);
        Array.Clear(_negatives);
        _seen = 0;
    }

    /// <inheritdoc/>
    internal override bool CountsWeights => true;

    private protected override void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width) =>
        Add(outputs, targets, default, width);

    private protected override void UpdateWeightedCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> weights, int rows, int width) =>
        Add(outputs, targets, weights, width);

    // Adds each element to its bucket with its row's weight, or 1 when weights is empty.
    private void Add(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, int width)
    {
        for (int i = 0; i < outputs.Length; i++)
        {
            double w = weights.IsEmpty ? 1 : weights[i / width];
            float p = Math.Clamp(outputs[i], 0f, 1f);
            // NaN compares false everywhere: it lands in bucket 0 (above −ε only), as Keras's cast of NaN does not promise more.
            int bucket = float.IsNaN(p) ? 0 : Math.Max((int)MathF.Ceiling(p * (Thresholds - 1)) - 1, 0);
            if (targets[i] != 0)
            {
                _positives[bucket] += w;
            }
            else
            {
                _negatives[bucket] += w;
            }
        }

        _seen += outputs.Length;
    }

    private static double Divide(double a, double b) => b == 0 ? 0 : a / b;

    // TP(i) and FP(i): the positives and negatives predicted above threshold i (in bucket i or higher).
    private (double[] Tp, double[] Fp) Cumulative()
    {
        var tp = new double[Thresholds];
        var fp = new double[Thresholds];
        double t = 0, f = 0;
        for (int i = Thresholds - 1; i >= 0; i--)
        {
            t += _positives[i];
            f += _negatives[i];
            tp[i] = t;
            fp[i] = f;
        }

        return (tp, fp);
    }

    private double Roc()
    {
        (double[] tp, double[] fp) = Cumulative();
        double positives = tp[0], negatives = fp[0], area = 0;
        for (int i = 0; i < Thresholds - 1; i++)
        {
            // FN = P − TP and TN = N − FP, so TP + FN = P and FP + TN = N.
            double fpr = Divide(fp[i], negatives), fprNext = Divide(fp[i + 1], negatives);
            double recall = Divide(tp[i], positives), recallNext = Divide(tp[i + 1], positives);
            area += (fpr - fprNext) * ((recall + recallNext) / 2);
        }

        return area;
    }

    private double Pr()
    {
        (double[] tp, double[] fp) = Cumulative();
        double positives = tp[0], area = 0;
        for (int i = 0; i < Thresholds - 1; i++)
        {
            double dtp = tp[i] - tp[i + 1];
            double p = tp[i] + fp[i], pNext = tp[i + 1] + fp[i + 1];
            double slope = Divide(dtp, Math.Max(p - pNext, 0));
            double intercept = tp[i + 1] - (slope * pNext);
            double ratio = p > 0 && pNext > 0 ? Divide(p, pNext) : 1;
            double fnNext = positives - tp[i + 1];
            area += Divide(slope * (dtp + (intercept * Math.Log(ratio))), Math.Max(tp[i + 1] + fnNext, 0));
        }

        return area;
    }
}

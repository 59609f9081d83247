using PSRnn.Engine.Models;

namespace PSRnn.Engine.Training;

/// <summary>
/// A metric of Keras's compile(weighted_metrics=[...]): the row values of a mean metric (accuracy: 1 or 0 a row; mae: the
/// row's mean |o − t|) averaged with the sample weights, <c>Σ w_r·v_r / Σ w_r</c> (Keras's Mean with sample_weight;
/// 0 when every weight so far is 0, as Keras's divide_no_nan). A confusion metric (precision, recall, auc, pr_auc:
/// <see cref="Metric.CountsWeights"/>) instead adds each element's weight into its counts and reports their ratio, as
/// Keras's update_confusion_matrix_variables (0 when a divisor's weight is 0). Reported under the metric's name, or
/// <c>weighted_&lt;name&gt;</c> when an unweighted metric already has it (keras/src/trainers/compile_utils.py).
/// </summary>
internal sealed class WeightedMetric : Metric
{
    private readonly Metric _inner;
    private readonly BatchWeights _weights;
    private double _sum;
    private double _weight;
    private long _rows;

    private WeightedMetric(Metric inner, string name, BatchWeights weights)
        : base(name) => (_inner, _weights) = (inner, weights);

    /// <inheritdoc/>
    public override string KerasName => _inner.KerasName;

    /// <inheritdoc/>
    public override bool TakesClassLabels => _inner.TakesClassLabels;

    /// <inheritdoc/>
    public override double Result => _inner.CountsWeights ? _inner.Result : _rows == 0 ? double.NaN : _weight == 0 ? 0 : _sum / _weight;

    /// <summary>
    /// <paramref name="unweighted"/> followed by the weighted metrics <paramref name="names"/> (checked as -Metric's names),
    /// which read their weights from <paramref name="weights"/>.
    /// </summary>
    public static IReadOnlyList<Metric> Append(IReadOnlyList<Metric> unweighted, Sequential model, Loss loss, Dataset data,
        IReadOnlyList<string>? names, BatchWeights? weights)
    {
        if (names is not { Count: > 0 } || weights is null)
        {
            return unweighted;
        }

        var used = new HashSet<string>(unweighted.Select(m => m.Name), StringComparer.Ordinal);
        var all = new List<Metric>(unweighted);
        foreach (Metric inner in Trainer.ResolveMetrics(model, loss, data, names))
        {
            string stem = used.Contains(inner.Name) ? "weighted_" + inner.Name : inner.Name, name = stem;
            for (int i = 1; !used.Add(name); i++)
            {
                name = stem + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            all.Add(new WeightedMetric(inner, name, weights));
        }

        return all;
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        _inner.Reset();
        (_sum, _weight, _rows) = (0, 0, 0);
    }

    private protected override void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width)
    {
        ReadOnlySpan<float> w = _weights.Active;
        if (_inner.CountsWeights)
        {
            _inner.UpdateWeighted(outputs, targets, w, rows, width);
            return;
        }

        int targetsPerRow = targets.Length / Math.Max(rows, 1);
        for (int r = 0; r < rows; r++)
        {
            // The inner metric over one row is that row's value.
            _inner.Reset();
            _inner.Update(outputs.Slice(r * width, width), targets.Slice(r * targetsPerRow, targetsPerRow), 1, width);
            _sum += w[r] * _inner.Result;
            _weight += w[r];
        }

        _rows += rows;
    }
}

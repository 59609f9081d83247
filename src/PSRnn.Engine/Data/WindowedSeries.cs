using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Data;

/// <summary>
/// Sliding windows cut from a series by <see cref="SeriesWindows.Create"/>: inputs <see cref="X"/> of shape
/// (N, lookback, features) and the values that follow each window, <see cref="Y"/> of shape (N, horizon × targets).
/// </summary>
public sealed class WindowedSeries
{
    /// <summary>Creates the result; <see cref="SeriesWindows.Create"/> is the way to make one.</summary>
    public WindowedSeries(Tensor x, Tensor y, int lookback, int horizon, int stride, int[] targetColumns, int[] start)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(targetColumns);
        ArgumentNullException.ThrowIfNull(start);
        X = x;
        Y = y;
        Lookback = lookback;
        Horizon = horizon;
        Stride = stride;
        TargetColumns = targetColumns;
        Start = start;
    }

    /// <summary>The input windows: float32 (N, lookback, features).</summary>
    public Tensor X { get; }

    /// <summary>
    /// The targets: float32 (N, horizon × targets), step by step then column by column, so
    /// <c>Y.Reshape(N, horizon, targets)</c> gives Keras's (N, horizon, targets) view.
    /// </summary>
    public Tensor Y { get; }

    /// <summary>Windows made (N).</summary>
    public int Count => X.Dim(0);

    /// <summary>Steps in each input window.</summary>
    public int Lookback { get; }

    /// <summary>Steps predicted after each window.</summary>
    public int Horizon { get; }

    /// <summary>Steps between the starts of consecutive windows.</summary>
    public int Stride { get; }

    /// <summary>The feature columns (zero-based, non-negative) the targets are taken from, in order.</summary>
    public int[] TargetColumns { get; }

    /// <summary>The row of the series where each window starts; its first target is at <c>Start[i] + Lookback</c>.</summary>
    public int[] Start { get; }
}

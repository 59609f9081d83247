using System.Globalization;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Data;

/// <summary>
/// Cuts a series into (input window, next values) pairs for forecasting. Window i reads rows
/// <c>[i·stride, i·stride + lookback)</c> and its targets are rows <c>[i·stride + lookback, … + horizon)</c> of the
/// target columns, which is <c>keras.utils.timeseries_dataset_from_array(data[:-horizon], targets=data[lookback:],
/// sequence_length=lookback, sequence_stride=stride)</c> for a horizon of 1. N = ⌊(T − lookback − horizon) / stride⌋ + 1.
/// </summary>
public static class SeriesWindows
{
    /// <summary>Error id: lookback, horizon or stride is zero or negative.</summary>
    public const string SizeNotPositiveErrorId = "WindowSizeNotPositive";

    /// <summary>Error id: the series has fewer than lookback + horizon rows.</summary>
    public const string SeriesTooShortErrorId = "WindowSeriesTooShort";

    /// <summary>Error id: the series is not 1-D (T) or 2-D (T, F).</summary>
    public const string SeriesRankErrorId = "WindowSeriesRank";

    /// <summary>Error id: the series holds NaN or an infinity.</summary>
    public const string NotFiniteErrorId = "WindowDataNotFinite";

    /// <summary>Error id: a target column is outside the series' features, or named twice.</summary>
    public const string TargetColumnErrorId = "WindowTargetColumnInvalid";

    /// <summary>Error id: the windows would hold more values than one array can.</summary>
    public const string OutputTooLargeErrorId = "WindowOutputTooLarge";

    /// <summary>Makes the windows.</summary>
    /// <param name="series">A 1-D (T) or 2-D (T, F) tensor of any numeric dtype; rows are time steps.</param>
    /// <param name="lookback">Steps in each input window (L).</param>
    /// <param name="horizon">Steps after the window to predict (H).</param>
    /// <param name="stride">Steps between window starts.</param>
    /// <param name="targetColumns">The feature columns to predict (negative counts from the end, as NumPy); null for all.</param>
    /// <returns>X (N, L, F) and Y (N, H × targets), both float32.</returns>
    /// <exception cref="DataFormatException">The sizes, the series or the columns are unusable; <see cref="DataFormatException.ErrorId"/> says how.</exception>
    public static WindowedSeries Create(Tensor series, int lookback, int horizon = 1, int stride = 1, IReadOnlyList<int>? targetColumns = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        CheckPositive(lookback, "lookback");
        CheckPositive(horizon, "horizon");
        CheckPositive(stride, "stride");
        if (series.Rank is not (1 or 2))
        {
            throw Error(SeriesRankErrorId, DataErrorKind.InvalidData,
                $"The series has shape {series.ShapeText}; give one value per time step (T) or one row of features per step (T, F).");
        }

        int steps = series.Dim(0);
        int features = series.Rank == 2 ? series.Dim(1) : 1;
        if (features == 0)
        {
            throw Error(SeriesRankErrorId, DataErrorKind.InvalidData, $"The series has shape {series.ShapeText}: no features per step.");
        }

        int[] columns = Columns(targetColumns, features);
        if ((long)lookback + horizon > steps)
        {
            throw Error(SeriesTooShortErrorId, DataErrorKind.InvalidData, Invariant(
                $"The series has {steps} steps, fewer than lookback + horizon = {lookback} + {horizon} = {(long)lookback + horizon}: not one window fits. Use a longer series or a shorter lookback."));
        }

        float[] values = series.ToSingleArray(out _);
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw Error(NotFiniteErrorId, DataErrorKind.InvalidData, Invariant(
                    $"The series holds {(float.IsNaN(values[i]) ? "NaN" : "an infinite value")} at step {i / features}{(series.Rank == 2 ? $", feature {i % features}" : "")}: fill or drop missing values before windowing."));
            }
        }

        int count = ((steps - lookback - horizon) / stride) + 1;
        int targetWidth = horizon * columns.Length;
        long xLength = (long)count * lookback * features;
        if (xLength > Array.MaxLength || (long)count * targetWidth > Array.MaxLength)
        {
            throw Error(OutputTooLargeErrorId, DataErrorKind.LimitsExceeded, Invariant(
                $"{count} windows of {lookback} × {features} values are more than one array can hold; use a larger stride or a shorter series."));
        }

        var x = new float[xLength];
        var y = new float[count * targetWidth];
        var start = new int[count];
        int rowLength = lookback * features;
        for (int n = 0; n < count; n++)
        {
            int first = n * stride;
            start[n] = first;
            // Rows of a window are contiguous in the series, so each window is one copy.
            values.AsSpan(first * features, rowLength).CopyTo(x.AsSpan(n * rowLength, rowLength));
            int target = n * targetWidth;
            for (int h = 0; h < horizon; h++)
            {
                int row = (first + lookback + h) * features;
                for (int c = 0; c < columns.Length; c++)
                {
                    y[target++] = values[row + columns[c]];
                }
            }
        }

        return new WindowedSeries(new Tensor(x, count, lookback, features), new Tensor(y, count, targetWidth),
            lookback, horizon, stride, columns, start);
    }

    /// <summary>Resolves the target columns: all by default; negative ones count from the end; no repeats.</summary>
    private static int[] Columns(IReadOnlyList<int>? requested, int features)
    {
        if (requested is null || requested.Count == 0)
        {
            return Enumerable.Range(0, features).ToArray();
        }

        var columns = new int[requested.Count];
        for (int i = 0; i < columns.Length; i++)
        {
            int c = requested[i] < 0 ? requested[i] + features : requested[i];
            if (c < 0 || c >= features)
            {
                throw Error(TargetColumnErrorId, DataErrorKind.InvalidData, Invariant(
                    $"Target column {requested[i]} is outside the series' {features} feature{(features == 1 ? "" : "s")} (0 to {features - 1}, or -1 to -{features} from the end)."));
            }

            if (Array.IndexOf(columns, c, 0, i) >= 0)
            {
                throw Error(TargetColumnErrorId, DataErrorKind.InvalidData, Invariant(
                    $"Target column {requested[i]} is the same column ({c}) as one named before it; name each column once."));
            }

            columns[i] = c;
        }

        return columns;
    }

    private static void CheckPositive(int value, string name)
    {
        if (value <= 0)
        {
            throw Error(SizeNotPositiveErrorId, DataErrorKind.InvalidData, Invariant(
                $"The {name} is {value}; it must be a positive number of steps."));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static DataFormatException Error(string errorId, DataErrorKind kind, string message) => new(errorId, kind, null, message);
}

using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Data;

public sealed class SeriesWindowsTests
{
    /// <summary>A (T, F) series whose value at step t, feature f is 10·t + f, so every value names its position.</summary>
    private static Tensor Table(int steps, int features)
    {
        var values = new double[steps * features];
        for (int t = 0; t < steps; t++)
        {
            for (int f = 0; f < features; f++)
            {
                values[(t * features) + f] = (10 * t) + f;
            }
        }

        return new Tensor(values, steps, features);
    }

    [Theory]
    [InlineData(10, 3, 1, 1, 7)]
    [InlineData(10, 3, 2, 1, 6)]
    [InlineData(10, 3, 1, 2, 4)]
    [InlineData(10, 3, 2, 3, 2)]
    [InlineData(4, 3, 1, 1, 1)]
    [InlineData(4, 3, 1, 5, 1)]
    [InlineData(100, 48, 1, 1, 52)]
    public void CountIsFloorOfRemainingStepsOverStridePlusOne(int steps, int lookback, int horizon, int stride, int expected)
    {
        WindowedSeries w = SeriesWindows.Create(Table(steps, 2), lookback, horizon, stride);
        Assert.Equal(expected, w.Count);
        Assert.Equal(((steps - lookback - horizon) / stride) + 1, w.Count);
        Assert.Equal(new[] { expected, lookback, 2 }, w.X.Shape);
        Assert.Equal(new[] { expected, horizon * 2 }, w.Y.Shape);
        Assert.Equal(DType.Float32, w.X.DType);
        Assert.Equal(DType.Float32, w.Y.DType);
    }

    [Fact]
    public void WindowsAndTargetsAreTheRightRows()
    {
        WindowedSeries w = SeriesWindows.Create(Table(12, 3), lookback: 4, horizon: 2, stride: 3, targetColumns: [2, 0]);
        Assert.Equal(new[] { 0, 3, 6 }, w.Start);
        for (int n = 0; n < w.Count; n++)
        {
            for (int l = 0; l < 4; l++)
            {
                for (int f = 0; f < 3; f++)
                {
                    Assert.Equal((10f * ((3 * n) + l)) + f, (float)w.X[n, l, f]);
                }
            }

            // Step by step, then column by column in the order asked: (t+4, col 2), (t+4, col 0), (t+5, col 2), (t+5, col 0).
            float first = 10f * ((3 * n) + 4);
            Assert.Equal(new[] { first + 2, first, first + 12, first + 10 },
                Enumerable.Range(0, 4).Select(k => (float)w.Y[n, k]));
        }

        Assert.Equal(new[] { 2, 0 }, w.TargetColumns);
    }

    [Fact]
    public void MatchesKerasTimeseriesDatasetFromArrayForHorizonOne()
    {
        // keras.utils.timeseries_dataset_from_array(data[:-1], targets=data[L:], sequence_length=L, sequence_stride=s):
        // sample i is data[i·s : i·s + L], target data[i·s + L]; the last start is the largest with i·s + L ≤ T − 1.
        float[] data = Enumerable.Range(0, 17).Select(i => (float)(i * i)).ToArray();
        const int lookback = 5, stride = 2;
        var keras = new List<(float[] X, float Y)>();
        for (int start = 0; start + lookback <= data.Length - 1; start += stride)
        {
            keras.Add((data[start..(start + lookback)], data[start + lookback]));
        }

        WindowedSeries w = SeriesWindows.Create(new Tensor(data, data.Length), lookback, 1, stride);
        Assert.Equal(keras.Count, w.Count);
        Assert.Equal(new[] { keras.Count, lookback, 1 }, w.X.Shape);
        for (int n = 0; n < keras.Count; n++)
        {
            Assert.Equal(keras[n].X, w.X.AsSpan<float>().Slice(n * lookback, lookback).ToArray());
            Assert.Equal(keras[n].Y, (float)w.Y[n, 0]);
        }
    }

    [Fact]
    public void NegativeTargetColumnsCountFromTheEnd()
    {
        WindowedSeries w = SeriesWindows.Create(Table(6, 3), 2, targetColumns: [-1]);
        Assert.Equal(new[] { 2 }, w.TargetColumns);
        Assert.Equal(22f, (float)w.Y[0, 0]);
    }

    [Fact]
    public void AcceptsIntegerSeries()
    {
        WindowedSeries w = SeriesWindows.Create(new Tensor(new long[] { 1, 2, 3, 4 }, 4), 2);
        Assert.Equal(new float[] { 1, 2, 2, 3 }, w.X.AsSpan<float>().ToArray());
        Assert.Equal(new float[] { 3, 4 }, w.Y.AsSpan<float>().ToArray());
    }

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(3, 0, 1)]
    [InlineData(3, 1, 0)]
    [InlineData(-2, 1, 1)]
    public void RefusesSizesBelowOne(int lookback, int horizon, int stride)
    {
        var e = Assert.Throws<DataFormatException>(() => SeriesWindows.Create(Table(10, 1), lookback, horizon, stride));
        Assert.Equal(SeriesWindows.SizeNotPositiveErrorId, e.ErrorId);
    }

    [Fact]
    public void RefusesASeriesShorterThanLookbackPlusHorizon()
    {
        var e = Assert.Throws<DataFormatException>(() => SeriesWindows.Create(Table(5, 1), 4, 2));
        Assert.Equal(SeriesWindows.SeriesTooShortErrorId, e.ErrorId);
        Assert.Contains("5 steps", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void RefusesNonFiniteValuesNamingTheStep(float bad)
    {
        var values = new float[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        values[5] = bad;
        var e = Assert.Throws<DataFormatException>(() => SeriesWindows.Create(new Tensor(values, 4, 2), 2));
        Assert.Equal(SeriesWindows.NotFiniteErrorId, e.ErrorId);
        Assert.Contains("step 2, feature 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesOtherRanks()
    {
        var e = Assert.Throws<DataFormatException>(() => SeriesWindows.Create(new Tensor(new float[8], 2, 2, 2), 1));
        Assert.Equal(SeriesWindows.SeriesRankErrorId, e.ErrorId);
        e = Assert.Throws<DataFormatException>(() => SeriesWindows.Create(new Tensor(new float[1]), 1));
        Assert.Equal(SeriesWindows.SeriesRankErrorId, e.ErrorId);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-4)]
    public void RefusesUnknownTargetColumns(int column)
    {
        var e = Assert.Throws<DataFormatException>(() => SeriesWindows.Create(Table(6, 3), 2, targetColumns: [column]));
        Assert.Equal(SeriesWindows.TargetColumnErrorId, e.ErrorId);
    }

    [Fact]
    public void RefusesARepeatedTargetColumn()
    {
        var e = Assert.Throws<DataFormatException>(() => SeriesWindows.Create(Table(6, 3), 2, targetColumns: [2, -1]));
        Assert.Equal(SeriesWindows.TargetColumnErrorId, e.ErrorId);
    }
}

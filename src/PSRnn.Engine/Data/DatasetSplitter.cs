using System.Globalization;
using System.Security.Cryptography;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Data;

/// <summary>
/// Splits a dataset into training and test rows with scikit-learn's <c>train_test_split</c> semantics:
/// for the same integer seed the indices are the ones scikit-learn gives, index for index.
/// </summary>
public static class DatasetSplitter
{
    /// <summary>Error id: one side of the split would hold no rows.</summary>
    public const string EmptySideErrorId = "SplitEmptySide";

    /// <summary>Error id: the test fraction is not a number in the open interval (0, 1).</summary>
    public const string InvalidTestFractionErrorId = "SplitInvalidTestFraction";

    /// <summary>Error id: the seed is outside 0 … 2**32 - 1, the range NumPy accepts.</summary>
    public const string InvalidSeedErrorId = "SplitInvalidSeed";

    /// <summary>Error id: the arrays (or the stratify labels) do not have the same number of rows.</summary>
    public const string LengthMismatchErrorId = "SplitLengthMismatch";

    /// <summary>Error id: a stratify class has a single member.</summary>
    public const string StratifyTooFewMembersErrorId = "SplitStratifyTooFewMembers";

    /// <summary>Error id: the training or the test side has fewer rows than there are classes.</summary>
    public const string StratifyTooManyClassesErrorId = "SplitStratifyTooManyClasses";

    /// <summary>Error id: stratification was asked for without shuffling.</summary>
    public const string StratifyWithoutShuffleErrorId = "SplitStratifyWithoutShuffle";

    /// <summary>Error id: an array to split or take rows from is a scalar (0-d).</summary>
    public const string ScalarInputErrorId = "SplitScalarInput";

    /// <summary>Error id: the targets cannot be used as stratify labels.</summary>
    public const string StratifyUnsupportedLabelsErrorId = "SplitStratifyUnsupportedLabels";

    /// <summary>
    /// The train and test row indices of <c>train_test_split(np.arange(nSamples), test_size=…,
    /// random_state=seed, shuffle=shuffle, stratify=stratifyLabels)</c>.
    /// </summary>
    /// <param name="nSamples">The number of rows.</param>
    /// <param name="testFraction">The share of rows for the test set, in (0, 1); the test set gets
    /// <c>ceil(testFraction * nSamples)</c> rows. Ignored when <paramref name="testCount"/> is given.</param>
    /// <param name="testCount">The number of test rows, in [1, nSamples - 1], as an integer <c>test_size</c>; or null.</param>
    /// <param name="seed">The seed of NumPy's <c>RandomState</c> (0 … 2**32 - 1); null draws a fresh one, so the
    /// split differs from call to call as with <c>random_state=None</c>.</param>
    /// <param name="shuffle">False keeps the order: the first rows train, the last rows test.</param>
    /// <param name="stratifyLabels">One class label per row to keep the class proportions on both sides; or null.</param>
    /// <exception cref="DataFormatException">The sizes, seed or labels do not allow a split; <see cref="DataFormatException.ErrorId"/> says why.</exception>
    public static SplitIndices Split(int nSamples, double testFraction, int? testCount, long? seed, bool shuffle, int[]? stratifyLabels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nSamples);
        (int nTrain, int nTest) = ValidateSizes(nSamples, testFraction, testCount);

        if (stratifyLabels is not null && stratifyLabels.Length != nSamples)
        {
            throw Error(LengthMismatchErrorId,
                $"The stratify labels have {stratifyLabels.Length} entries but the data has {nSamples} rows. Give one label per row.");
        }

        if (!shuffle)
        {
            if (stratifyLabels is not null)
            {
                throw Error(StratifyWithoutShuffleErrorId,
                    "A stratified split needs shuffling (scikit-learn does not implement it without). Drop the stratify labels or allow shuffling.");
            }

            // sklearn: train = arange(n_train), test = arange(n_train, n_train + n_test).
            return new SplitIndices(Range(0, nTrain), Range(nTrain, nTest));
        }

        var rng = new NumpyRandomState(ResolveSeed(seed));
        return stratifyLabels is null
            ? ShuffleSplit(nSamples, nTrain, nTest, rng)
            : StratifiedShuffleSplit(stratifyLabels, nTrain, nTest, rng);
    }

    /// <summary>
    /// As <see cref="Split(int, double, int?, long?, bool, int[])"/>, after checking that <paramref name="x"/> and
    /// <paramref name="y"/> have the same number of rows (their first dimension).
    /// </summary>
    /// <param name="x">The inputs, rows along axis 0.</param>
    /// <param name="y">The targets, rows along axis 0; or null.</param>
    /// <param name="testFraction">See the other overload.</param>
    /// <param name="testCount">See the other overload.</param>
    /// <param name="seed">See the other overload.</param>
    /// <param name="shuffle">See the other overload.</param>
    /// <param name="stratifyLabels">See the other overload.</param>
    /// <exception cref="DataFormatException">The lengths differ, an array is a scalar, or the split is not possible.</exception>
    public static SplitIndices Split(Tensor x, Tensor? y, double testFraction, int? testCount, long? seed, bool shuffle, int[]? stratifyLabels)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = RowCount(x, "X");
        if (y is not null)
        {
            int ny = RowCount(y, "Y");
            if (ny != n)
            {
                throw Error(LengthMismatchErrorId,
                    $"X has {n} rows (shape {x.ShapeText}) but Y has {ny} (shape {y.ShapeText}). Give one target per input row.");
            }
        }

        return Split(n, testFraction, testCount, seed, shuffle, stratifyLabels);
    }

    /// <summary>
    /// Class codes for stratifying by a targets tensor, numbered in the order scikit-learn sorts the classes,
    /// so that <c>Split(…, StratifyLabels(y))</c> equals <c>train_test_split(…, stratify=y)</c> index for index.
    /// </summary>
    /// <remarks>
    /// One-dimensional targets (any numeric dtype or bool) are classes ordered by value. Two-dimensional targets
    /// (one-hot or multi-label rows, or labels of shape (N, 1)) are classes of whole rows, which scikit-learn
    /// orders by the text <c>" ".join(row.astype(str))</c>; this is reproduced for integer and bool elements and
    /// for floats holding whole numbers that NumPy prints as <c>N.0</c>.
    /// </remarks>
    /// <param name="y">The targets, one row per sample.</param>
    /// <returns>One code per row, 0 … number of classes - 1.</returns>
    /// <exception cref="DataFormatException">The targets are 0-d, more than 2-d, hold NaN, or are 2-d floats that are
    /// not whole numbers NumPy prints exactly.</exception>
    public static int[] StratifyLabels(Tensor y)
    {
        ArgumentNullException.ThrowIfNull(y);
        int n = RowCount(y, "Y");
        if (y.Rank > 2)
        {
            throw Error(StratifyUnsupportedLabelsErrorId,
                $"Stratify labels must be 1-d or 2-d, but Y has shape {y.ShapeText}. Give one label per row.");
        }

        if (y.Rank == 1)
        {
            // np.unique sorts the values; floats compare as doubles, integers exactly as decimals.
            if (y.DType.IsFloatingPoint())
            {
                double[] keys = new double[n];
                for (int i = 0; i < n; i++)
                {
                    object value = y.FlatValue(i)!;
                    keys[i] = value is Half h ? (double)h : Convert.ToDouble(value, CultureInfo.InvariantCulture);
                    if (double.IsNaN(keys[i]))
                    {
                        throw Error(StratifyUnsupportedLabelsErrorId, string.Create(CultureInfo.InvariantCulture,
                            $"The stratify label at index {i} is NaN. Give every row a class."));
                    }
                }

                return Codes(keys, Comparer<double>.Default);
            }

            decimal[] exact = new decimal[n];
            for (int i = 0; i < n; i++)
            {
                exact[i] = y.FlatValue(i) is bool b ? (b ? 1 : 0) : Convert.ToDecimal(y.FlatValue(i), CultureInfo.InvariantCulture);
            }

            return Codes(exact, Comparer<decimal>.Default);
        }

        // 2-d: sklearn maps each row to " ".join(row.astype(str)) and sorts those strings (ordinal, as Python).
        int width = y.Dim(1);
        var rows = new string[n];
        var parts = new string[width];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < width; j++)
            {
                parts[j] = NumpyStr(y.FlatValue((i * width) + j)!, y.DType, i, j);
            }

            rows[i] = string.Join(' ', parts);
        }

        return Codes(rows, StringComparer.Ordinal);
    }

    /// <summary>
    /// The rows of <paramref name="source"/> at <paramref name="indices"/> along axis 0, as a new tensor
    /// (NumPy's <c>source[indices]</c>); any dtype, any rank of at least 1.
    /// </summary>
    /// <exception cref="DataFormatException">The tensor is a scalar (0-d).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, rows).</exception>
    public static Tensor Take(Tensor source, int[] indices)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(indices);
        int rows = RowCount(source, "The tensor");
        int[] shape = source.Shape;
        long rowSize = 1;
        for (int d = 1; d < shape.Length; d++)
        {
            rowSize *= shape[d];
        }

        shape[0] = indices.Length;
        (Array data, int origin) = source.InPlace(); // read in place, a view included
        Array result = Array.CreateInstance(source.DType.ElementType(), checked(indices.Length * rowSize));
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)rows)
            {
                throw new ArgumentOutOfRangeException(nameof(indices),
                    string.Create(CultureInfo.InvariantCulture, $"Index {i} at position {k} is outside the {rows} rows."));
            }

            Array.Copy(data, origin + (i * rowSize), result, k * rowSize, rowSize);
        }

        return new Tensor(result, shape);
    }

    /// <summary>
    /// scikit-learn's <c>_approximate_mode</c>: how many of <paramref name="nDraws"/> draws each class gets,
    /// floor of its share first, then one more to the largest remainders, ties broken by <paramref name="rng"/>.
    /// </summary>
    internal static int[] ApproximateMode(int[] classCounts, int nDraws, NumpyRandomState rng)
    {
        long total = 0;
        foreach (int c in classCounts)
        {
            total += c;
        }

        int k = classCounts.Length;
        var continuous = new double[k];
        var floored = new double[k];
        double flooredSum = 0;
        for (int i = 0; i < k; i++)
        {
            // Same operations in the same order as NumPy: (count / total) * n_draws, in float64.
            continuous[i] = classCounts[i] / (double)total * nDraws;
            floored[i] = Math.Floor(continuous[i]);
            flooredSum += floored[i];
        }

        int needToAdd = (int)(nDraws - flooredSum);
        if (needToAdd > 0)
        {
            var remainder = new double[k];
            for (int i = 0; i < k; i++)
            {
                remainder[i] = continuous[i] - floored[i];
            }

            double[] values = remainder.Distinct().OrderByDescending(v => v).ToArray();
            foreach (double value in values)
            {
                int[] inds = Enumerable.Range(0, k).Where(i => remainder[i] == value).ToArray();
                int addNow = Math.Min(inds.Length, needToAdd);

                // rng.choice(inds, add_now, replace=False) shuffles all of inds even when it takes them all.
                foreach (int pick in rng.ChoiceWithoutReplacement(inds.Length, addNow))
                {
                    floored[inds[pick]] += 1;
                }

                needToAdd -= addNow;
                if (needToAdd == 0)
                {
                    break;
                }
            }
        }

        var result = new int[k];
        for (int i = 0; i < k; i++)
        {
            result[i] = (int)floored[i];
        }

        return result;
    }

    private static (int NTrain, int NTest) ValidateSizes(int nSamples, double testFraction, int? testCount)
    {
        int nTest;
        if (testCount is int count)
        {
            if (count <= 0 || count >= nSamples)
            {
                throw Error(EmptySideErrorId, string.Create(CultureInfo.InvariantCulture,
                    $"A test count of {count} leaves {(count <= 0 ? "the test set" : "the training set")} empty with {nSamples} rows. Give a count between 1 and {nSamples - 1}, or a fraction."));
            }

            nTest = count;
        }
        else
        {
            if (!(testFraction > 0 && testFraction < 1))
            {
                throw new DataFormatException(InvalidTestFractionErrorId, DataErrorKind.InvalidData, null,
                    string.Create(CultureInfo.InvariantCulture, $"The test fraction {testFraction} is not in the range (0, 1). Give a fraction such as 0.2, or a test count."));
            }

            // sklearn: n_test = ceil(test_size * n_samples), in float64.
            nTest = (int)Math.Ceiling(testFraction * nSamples);
        }

        int nTrain = nSamples - nTest;
        if (nTrain <= 0 || nTest <= 0)
        {
            throw Error(EmptySideErrorId, string.Create(CultureInfo.InvariantCulture,
                $"With {nSamples} rows and a test fraction of {testFraction}, the {(nTrain <= 0 ? "training" : "test")} set would be empty. Adjust the test fraction or give more rows."));
        }

        return (nTrain, nTest);
    }

    private static SplitIndices ShuffleSplit(int nSamples, int nTrain, int nTest, NumpyRandomState rng)
    {
        // ShuffleSplit: permutation = rng.permutation(n); test = permutation[:n_test]; train = the next n_train.
        int[] permutation = rng.Permutation(nSamples);
        return new SplitIndices(permutation.AsSpan(nTest, nTrain).ToArray(), permutation.AsSpan(0, nTest).ToArray());
    }

    private static SplitIndices StratifiedShuffleSplit(int[] labels, int nTrain, int nTest, NumpyRandomState rng)
    {
        // np.unique: sorted classes; class_indices: rows of each class in ascending order (stable argsort).
        int[] classes = labels.Distinct().Order().ToArray();
        var classOf = new Dictionary<int, int>(classes.Length);
        for (int c = 0; c < classes.Length; c++)
        {
            classOf[classes[c]] = c;
        }

        var members = new List<int>[classes.Length];
        for (int c = 0; c < classes.Length; c++)
        {
            members[c] = [];
        }

        for (int i = 0; i < labels.Length; i++)
        {
            members[classOf[labels[i]]].Add(i);
        }

        int[] classCounts = members.Select(m => m.Count).ToArray();
        int smallest = Array.IndexOf(classCounts, classCounts.Min());
        if (classCounts[smallest] < 2)
        {
            throw Error(StratifyTooFewMembersErrorId, string.Create(CultureInfo.InvariantCulture,
                $"Class {classes[smallest]} has only 1 member, which is too few to stratify: every class needs at least 2. Merge or drop rare classes, or split without stratifying."));
        }

        if (nTrain < classes.Length)
        {
            throw Error(StratifyTooManyClassesErrorId, string.Create(CultureInfo.InvariantCulture,
                $"The training set would have {nTrain} rows, fewer than the {classes.Length} classes. Lower the test fraction or split without stratifying."));
        }

        if (nTest < classes.Length)
        {
            throw Error(StratifyTooManyClassesErrorId, string.Create(CultureInfo.InvariantCulture,
                $"The test set would have {nTest} rows, fewer than the {classes.Length} classes. Raise the test fraction or split without stratifying."));
        }

        int[] nI = ApproximateMode(classCounts, nTrain, rng);
        int[] remaining = new int[classCounts.Length];
        for (int c = 0; c < remaining.Length; c++)
        {
            remaining[c] = classCounts[c] - nI[c];
        }

        int[] tI = ApproximateMode(remaining, nTest, rng);

        var train = new List<int>(nTrain);
        var test = new List<int>(nTest);
        for (int c = 0; c < classes.Length; c++)
        {
            int[] permutation = rng.Permutation(classCounts[c]);
            for (int k = 0; k < nI[c]; k++)
            {
                train.Add(members[c][permutation[k]]);
            }

            for (int k = nI[c]; k < nI[c] + tI[c]; k++)
            {
                test.Add(members[c][permutation[k]]);
            }
        }

        int[] trainResult = rng.Permutation(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(train));
        int[] testResult = rng.Permutation(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(test));
        return new SplitIndices(trainResult, testResult);
    }

    /// <summary>Numbers each row by the rank of its key among the distinct keys.</summary>
    private static int[] Codes<T>(T[] keys, IComparer<T> comparer)
        where T : notnull
    {
        T[] distinct = keys.Distinct().Order(comparer).ToArray();
        var rank = new Dictionary<T, int>(distinct.Length);
        for (int c = 0; c < distinct.Length; c++)
        {
            rank[distinct[c]] = c;
        }

        return keys.Select(k => rank[k]).ToArray();
    }

    /// <summary>NumPy's <c>astype(str)</c> of one element, for the values whose text is unambiguous.</summary>
    private static string NumpyStr(object value, DType dtype, int row, int column)
    {
        switch (value)
        {
            case bool b:
                return b ? "True" : "False";
            case Half or float or double:
                double x = value is Half h ? (double)h : Convert.ToDouble(value, CultureInfo.InvariantCulture);

                // Below these bounds every whole number is exact and NumPy prints it as "N.0".
                double limit = dtype switch { DType.Float16 => 2048, DType.Float32 => 16777216, _ => 1e15 };
                if (!double.IsFinite(x) || Math.Floor(x) != x || Math.Abs(x) > limit)
                {
                    throw Error(StratifyUnsupportedLabelsErrorId, string.Create(CultureInfo.InvariantCulture,
                        $"The 2-d stratify label {value} at index [{row}, {column}] is not a small whole number. Use integer class labels, or one-hot rows of 0 and 1."));
                }

                string digits = ((long)x).ToString(CultureInfo.InvariantCulture);
                return (x == 0 && double.IsNegative(x) ? "-" : "") + digits + ".0";
            default:
                return Convert.ToString(value, CultureInfo.InvariantCulture)!;
        }
    }

    private static uint ResolveSeed(long? seed)
    {
        if (seed is null)
        {
            // random_state=None: a fresh seed every call; reproducibility needs an explicit seed.
            Span<byte> bytes = stackalloc byte[4];
            RandomNumberGenerator.Fill(bytes);
            return BitConverter.ToUInt32(bytes);
        }

        if (seed < 0 || seed > uint.MaxValue)
        {
            throw Error(InvalidSeedErrorId, string.Create(CultureInfo.InvariantCulture,
                $"The seed {seed} is outside 0 to 4294967295 (2**32 - 1), the range NumPy's RandomState accepts."));
        }

        return (uint)seed.Value;
    }

    private static int RowCount(Tensor tensor, string what)
    {
        if (tensor.Rank == 0)
        {
            throw Error(ScalarInputErrorId, $"{what} is a scalar (0-d); splitting needs rows along the first dimension.");
        }

        return tensor.Dim(0);
    }

    private static int[] Range(int start, int count)
    {
        var result = new int[count];
        for (int i = 0; i < count; i++)
        {
            result[i] = start + i;
        }

        return result;
    }

    private static DataFormatException Error(string errorId, string message) =>
        new(errorId, DataErrorKind.InvalidData, null, message);
}

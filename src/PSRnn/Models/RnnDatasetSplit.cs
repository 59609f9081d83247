using PSRnn.Engine.Tensors;

namespace PSRnn.Models;

/// <summary>The four parts of a train/test split, as scikit-learn's <c>train_test_split(X, y)</c> returns them.</summary>
public sealed class RnnDatasetSplit
{
    /// <summary>Creates the split.</summary>
    public RnnDatasetSplit(Tensor xTrain, Tensor xTest, Tensor? yTrain, Tensor? yTest, int[] trainIndex, int[] testIndex)
    {
        XTrain = xTrain;
        XTest = xTest;
        YTrain = yTrain;
        YTest = yTest;
        TrainIndex = trainIndex;
        TestIndex = testIndex;
    }

    /// <summary>The training samples.</summary>
    public Tensor XTrain { get; }

    /// <summary>The held-out samples.</summary>
    public Tensor XTest { get; }

    /// <summary>The training targets, or null when no -Y was given.</summary>
    public Tensor? YTrain { get; }

    /// <summary>The held-out targets, or null when no -Y was given.</summary>
    public Tensor? YTest { get; }

    /// <summary>Which rows of the input went to training, in order.</summary>
    public int[] TrainIndex { get; }

    /// <summary>Which rows of the input were held out, in order.</summary>
    public int[] TestIndex { get; }
}

namespace PSRnn.Engine.Data;

/// <summary>
/// The result of <see cref="DatasetSplitter.Split(int, double, int?, long?, bool, int[])"/>: the row indices
/// of the training and test sets, in the order scikit-learn's <c>train_test_split</c> returns the rows
/// (<c>X_train = X[Train]</c>, <c>X_test = X[Test]</c>).
/// </summary>
/// <param name="Train">Row indices of the training set.</param>
/// <param name="Test">Row indices of the test set.</param>
public sealed record SplitIndices(int[] Train, int[] Test);

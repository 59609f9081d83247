namespace PSRnn.Engine.Training;

/// <summary>The curve an <see cref="Auc"/> metric measures the area under (Keras's <c>curve</c> argument).</summary>
public enum AucCurve
{
    /// <summary>The receiver operating characteristic: recall against the false-positive rate.</summary>
    Roc,

    /// <summary>Precision against recall, with Davis and Goadrich's interpolation.</summary>
    PR,
}

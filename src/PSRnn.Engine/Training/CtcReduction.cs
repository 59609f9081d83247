namespace PSRnn.Engine.Training;

/// <summary>How <see cref="CtcLoss"/> reduces the per-sample losses of a batch to one number.</summary>
public enum CtcReduction
{
    /// <summary>
    /// Keras's <c>CTC</c> loss (<c>keras.losses.CTC</c>, reduction <c>sum_over_batch_size</c>): the mean over the batch of
    /// each sample's negative log-likelihood. The default. LossOption value <c>sum_over_batch_size</c>.
    /// </summary>
    SumOverBatchSize,

    /// <summary>
    /// PyTorch's <c>nn.CTCLoss(reduction='mean')</c>: each sample's negative log-likelihood divided by its target length
    /// (at least 1), then the mean over the batch. LossOption value <c>mean</c>.
    /// </summary>
    Mean,
}

using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a SpecAugment layer: random frequency and time masks while training (Park et al. 2019).</para>
/// <para type="description">In training, each sample gets -FrequencyMasks bands of features and -TimeMasks runs of
/// steps set to -MaskValue (0, or the sample's mean), drawn as torchaudio's FrequencyMasking and TimeMasking: a width
/// uniform in 0 to W − 1 and a start uniform over the rest of the axis. Under a sequence mask (Add-MaskingLayer first)
/// time masks fall within each sample's real steps. In evaluation and prediction the layer passes values through,
/// and ONNX export leaves it out. The masks come from the model's seed: the same seed gives the same masks, and a
/// resumed checkpoint continues them exactly. Its input is (batch, time, features): put it first (or after
/// Add-MaskingLayer) on spectrogram or MFCC features from Import-RnnAudio.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Add-MaskingLayer | Add-SpecAugmentLayer -TimeMasks 2 -TimeMaskWidth 20 -TimeMaskProportion 0.2 -MaskValue Mean
///   </code>
///   <para>Masks runs of frames within each utterance's real (unpadded) frames, each at most a fifth of them, with the
///   utterance's mean.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 100, 13 -Seed 1 | Add-SpecAugmentLayer -FrequencyMasks 2 -FrequencyMaskWidth 3 -TimeMasks 2 -TimeMaskWidth 10 | Add-LstmLayer 32 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>Two bands of up to 2 coefficients and two runs of up to 9 frames are masked in each training sample.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "SpecAugmentLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddSpecAugmentLayerCommand : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">Frequency masks per sample (Park et al.'s m_F); 0 for none.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, 1000)]
    public int FrequencyMasks { get; set; }

    /// <summary>
    /// <para type="description">The frequency masks' width bound F (torchaudio's freq_mask_param): widths are drawn from
    /// 0 to F − 1 features. At most the number of features.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int FrequencyMaskWidth { get; set; }

    /// <summary>
    /// <para type="description">Time masks per sample (m_T); 0 for none.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, 1000)]
    public int TimeMasks { get; set; }

    /// <summary>
    /// <para type="description">The time masks' width bound T (time_mask_param): widths are drawn from 0 to T − 1
    /// steps. At most the number of steps.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int TimeMaskWidth { get; set; }

    /// <summary>
    /// <para type="description">The largest fraction of a sample's real steps one time mask covers (Park et al.'s p,
    /// torchaudio's p): the width bound is min(T, ⌊steps·p⌋). 1 (the default) sets no limit beyond T.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double TimeMaskProportion { get; set; } = 1.0;

    /// <summary>
    /// <para type="description">What the masks write: Zero (the default, as torchaudio) or Mean, the sample's mean over
    /// its real steps (as Park et al. on normalized features).</para>
    /// </summary>
    [Parameter]
    public SpecAugmentMaskValue MaskValue { get; set; }

    /// <inheritdoc />
    protected override Layer CreateLayer() =>
        new SpecAugmentLayer(FrequencyMasks, FrequencyMaskWidth, TimeMasks, TimeMaskWidth, TimeMaskProportion, MaskValue, Name);
}

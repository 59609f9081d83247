using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a masking layer, so that the layers after it skip padding steps (Keras Masking).</para>
/// <para type="description">Marks as padding every time step whose features all equal -MaskValue (0 by default): the
/// layer sets those steps to zero and hands the mask on, so recurrent layers leave their state alone there and the
/// loss and metrics leave them out. Use it on sequences padded to one length, for example by
/// ConvertTo-RnnSequenceBatch with the same -Value. It must be the model's first layer (the mask describes the input);
/// for token ids use Add-EmbeddingLayer -MaskZero instead. A NaN mask value is an error (MaskValueNaN): NaN equals
/// nothing, so it would mask no step.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 13 -Seed 1 | Add-MaskingLayer | Add-LstmLayer 32 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>A classifier of MFCC sequences of any length, padded with rows of zeros that the LSTM skips.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $batch = ConvertTo-RnnSequenceBatch -InputObject @(@(0.5, 1.5, 2.5), @(3.0)) -Value -1
///     New-RnnModel -InputShape 3, 1 | Add-MaskingLayer -MaskValue -1 | Add-GruLayer 4
///   </code>
///   <para>Sequences padded with -1 (a value the data never holds) and a model whose mask skips those steps.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "MaskingLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddMaskingLayerCommand : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">The value every feature of a padding step holds (Keras's mask_value); 0 by default.
    /// A step is padding only when all its features equal it.</para>
    /// </summary>
    [Parameter(Position = 0)]
    public float MaskValue { get; set; }

    /// <inheritdoc />
    protected override Layer CreateLayer()
    {
        if (float.IsNaN(MaskValue))
        {
            ThrowTerminatingError(Errors.Create("MaskValueNaN", ErrorCategory.InvalidArgument, MaskValue,
                "The mask value cannot be NaN: NaN equals nothing, so no step would ever be masked. Pad with a number " +
                "the data never holds (0, or -1) and give the same number to -MaskValue."));
        }

        return new Masking(MaskValue, Name);
    }
}

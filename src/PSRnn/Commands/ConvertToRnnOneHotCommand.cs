using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">One-hot encodes class labels, as Keras's to_categorical.</para>
/// <para type="description">Turns integer class labels of any shape into a float32 tensor with one more dimension of
/// length -NumClasses, holding 1 at each label's position and 0 elsewhere. A trailing dimension of 1 is dropped first,
/// as Keras does, so labels of shape (N, 1) give (N, NumClasses). Without -NumClasses the count is the largest label
/// plus one. Labels that are not whole numbers, negative, or not below -NumClasses are an error.</para>
/// </summary>
/// <example>
///   <code>
///     Import-NpyData ./labels.npy | ConvertTo-RnnOneHot -NumClasses 10
///   </code>
///   <para>One-hot encodes labels 0..9, as keras.utils.to_categorical(y, 10).</para>
/// </example>
/// <example runnable="true">
///   <code>
///     ConvertTo-RnnOneHot -InputObject ([long[]] (0, 2, 1)) -NumClasses 4
///   </code>
///   <para>Three labels as a (3, 4) float32 tensor of one-hot rows.</para>
/// </example>
[Cmdlet(VerbsData.ConvertTo, "RnnOneHot")]
[OutputType(typeof(Tensor))]
public sealed class ConvertToRnnOneHotCommand : GatheringCmdlet
{
    /// <summary>
    /// <para type="description">The labels: a tensor, an array, or numbers piped one at a time.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public object? InputObject { get; set; }

    /// <summary>
    /// <para type="description">The number of classes; by default the largest label plus one.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? NumClasses { get; set; }

    /// <inheritdoc />
    protected override object? CurrentInput => InputObject;

    /// <inheritdoc />
    protected override void Emit(object? value)
    {
        Tensor labels;
        try
        {
            labels = TensorArgument.Convert(value, null, out _);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException)
        {
            ThrowTerminatingError(Errors.Create("TensorConversionFailed", ErrorCategory.InvalidArgument, value,
                $"Cannot read the labels: {Errors.Describe(e)}", e));
            return;
        }

        try
        {
            WriteObject(OneHot.Encode(labels, NumClasses));
        }
        catch (DataFormatException e)
        {
            ThrowTerminatingError(Errors.FromData(e, value));
        }
    }
}

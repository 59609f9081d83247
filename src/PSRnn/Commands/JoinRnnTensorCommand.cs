using System.Management.Automation;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Joins tensors along an axis, as NumPy's concatenate.</para>
/// <para type="description">Takes the tensors piped in (or given with -InputObject) and returns one tensor that holds
/// them one after another along -Axis (0, the samples, by default; negative counts from the last). They must have one
/// dtype and the same dimensions except along the axis; 0-d tensors cannot be joined.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $a = ConvertTo-RnnTensor (1..4) -Shape 2, 2
///     $b = ConvertTo-RnnTensor (5..6) -Shape 1, 2
///     $a, $b | Join-RnnTensor
///   </code>
///   <para>A 3x2 tensor: the rows of $a, then the row of $b.</para>
/// </example>
/// <example>
///   <code>
///     Join-RnnTensor -InputObject $mfcc, $deltas -Axis -1
///   </code>
///   <para>Features side by side: (N, T, 13) and (N, T, 13) make (N, T, 26).</para>
/// </example>
[Cmdlet(VerbsCommon.Join, "RnnTensor")]
[OutputType(typeof(Tensor))]
public sealed class JoinRnnTensorCommand : PSCmdlet
{
    private readonly List<Tensor> _tensors = [];

    /// <summary>
    /// <para type="description">The tensors to join, in order.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public Tensor[]? InputObject { get; set; }

    /// <summary>
    /// <para type="description">The axis to join along; 0 (the samples) by default, negative from the last.</para>
    /// </summary>
    [Parameter]
    public int Axis { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord() => _tensors.AddRange(InputObject!);

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (_tensors.Count == 0)
        {
            ThrowTerminatingError(Errors.Create("JoinNoInput", ErrorCategory.InvalidArgument, null,
                "No tensors were given: pipe them in or pass them with -InputObject."));
        }

        try
        {
            WriteObject(Tensor.Concatenate(_tensors, Axis));
        }
        catch (ArgumentOutOfRangeException e)
        {
            ThrowTerminatingError(Errors.Create("JoinAxisOutOfRange", ErrorCategory.InvalidArgument, Axis, Errors.Describe(e), e));
        }
        catch (ArrayTypeMismatchException e)
        {
            ThrowTerminatingError(Errors.Create("JoinDTypeMismatch", ErrorCategory.InvalidArgument, _tensors, Errors.Describe(e), e));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(Errors.Create("JoinShapeMismatch", ErrorCategory.InvalidArgument, _tensors, Errors.Describe(e), e));
        }
    }
}

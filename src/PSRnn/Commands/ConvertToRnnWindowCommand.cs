using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Cuts a time series into sliding windows and the values that follow them, for forecasting.</para>
/// <para type="description">Takes a series of T steps — a 1-D tensor or array (T), or a 2-D one (T, F) with F features
/// per step — and returns an object with X, float32 (N, Lookback, F): the input windows, and Y, float32
/// (N, Horizon × targets): the next Horizon steps of the -TargetColumn features (all by default), step by step then
/// column by column, so Y.Reshape(N, Horizon, targets) is the (N, Horizon, targets) view. X feeds a recurrent model as is
/// and Y matches a last Dense layer of Horizon × targets units. Window i starts at step i × Stride; its targets are the
/// steps right after it. N = floor((T − Lookback − Horizon) / Stride) + 1. With -Horizon 1 the windows and targets are
/// those of keras.utils.timeseries_dataset_from_array(data[:-1], targets=data[Lookback:], sequence_length=Lookback,
/// sequence_stride=Stride), unshuffled. The object also holds Count, Lookback, Horizon, Stride, TargetColumns and
/// Start (the step where each window begins). Windows keep the series' order: split them chronologically
/// (Split-RnnDataset -NoShuffle), not at random, to avoid training on the future. A series shorter than
/// Lookback + Horizon, sizes below 1, NaN or infinite values and unknown target columns are errors.</para>
/// <para type="description">With -Property the series comes straight from objects, one per step (Import-Csv …): the
/// named properties are its features, read as ConvertTo-RnnTensor -Property reads them (date columns become the sin
/// and cos of each -DateTimeFeatures), and -TargetProperty names the ones to predict.</para>
/// </summary>
/// <example>
///   <code>
///     $w = $temperature | ConvertTo-RnnWindow -Lookback 48 -Horizon 1
///     $w.X.Shape; $w.Y.Shape
///   </code>
///   <para>Windows of 48 hourly readings, each with the next reading as its target: X (N, 48, 1), Y (N, 1).</para>
/// </example>
/// <example>
///   <code>
///     ConvertTo-RnnWindow -InputObject $weather -Lookback 24 -Horizon 6 -Stride 2 -TargetColumn 0
///   </code>
///   <para>From a (T, F) table, windows of 24 steps every 2 steps, each with the next 6 values of column 0: Y is (N, 6).</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $series = 1..100 | ForEach-Object { [math]::Sin($_ / 8) }
///     $w = $series | ConvertTo-RnnWindow -Lookback 12
///     $w.X.Shape; $w.Y.Shape    # 88 12 1, then 88 1
///   </code>
///   <para>A sine wave cut into windows of 12 steps, each with the following value as its target.</para>
/// </example>
/// <example>
///   <code>
///     $w = Import-Csv sensor.csv | ConvertTo-RnnWindow -Property Time, Load, Temperature -DateTimeFeatures Hour, Weekday -TargetProperty Load -Lookback 24
///   </code>
///   <para>Windows of 24 rows of six features (sin and cos of the hour and weekday, Load, Temperature), each with the next Load.</para>
/// </example>
[Cmdlet(VerbsData.ConvertTo, "RnnWindow")]
[OutputType(typeof(WindowedSeries))]
public sealed class ConvertToRnnWindowCommand : GatheringCmdlet
{
    /// <summary>
    /// <para type="description">The series: a tensor or array of shape (T) or (T, F), or numbers piped one at a time.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public object? InputObject { get; set; }

    /// <summary>
    /// <para type="description">Steps in each input window (L).</para>
    /// </summary>
    [Parameter(Mandatory = true)]
    public int Lookback { get; set; }

    /// <summary>
    /// <para type="description">Steps after each window to predict (H); 1 by default.</para>
    /// </summary>
    [Parameter]
    public int Horizon { get; set; } = 1;

    /// <summary>
    /// <para type="description">Steps between the starts of consecutive windows; 1 by default (every window).</para>
    /// </summary>
    [Parameter]
    public int Stride { get; set; } = 1;

    /// <summary>
    /// <para type="description">The feature columns to predict (zero-based; -1 is the last); all columns by default.</para>
    /// </summary>
    [Parameter]
    [Alias("TargetColumns")]
    public int[]? TargetColumn { get; set; }

    /// <summary>
    /// <para type="description">Read the input objects as the series' steps, these properties as its features.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Property { get; set; }

    /// <summary>
    /// <para type="description">With -Property: the properties to predict (numeric ones of -Property); all by default.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? TargetProperty { get; set; }

    /// <summary>
    /// <para type="description">With -Property: the cyclical features (sin and cos each) that a date column becomes.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public DateTimeFeature[]? DateTimeFeatures { get; set; }

    /// <inheritdoc />
    protected override object? CurrentInput => InputObject;

    /// <inheritdoc />
    protected override void Emit(object? value)
    {
        Tensor series;
        int[]? targets = TargetColumn;
        if ((TargetProperty is not null || DateTimeFeatures is not null) && Property is null)
        {
            ThrowTerminatingError(Errors.Create("WindowPropertyMissing", ErrorCategory.InvalidArgument, TargetProperty,
                "-TargetProperty and -DateTimeFeatures read objects: name their columns with -Property."));
            return;
        }

        if (TargetProperty is not null && TargetColumn is not null)
        {
            ThrowTerminatingError(Errors.Create("WindowTargetConflict", ErrorCategory.InvalidArgument, TargetProperty,
                "Give the targets once: -TargetProperty (names) or -TargetColumn (positions)."));
            return;
        }

        try
        {
            if (Property is not null)
            {
                double[,] table = TableRows.Read(TableRows.AsRows(value), Property, DateTimeFeatures, out List<string> columns, out bool[] isDate);
                series = TableRows.ToTensor(table, null, out _);
                targets = TargetProperty is null ? targets : [.. TargetProperty.Select(name => TargetIndex(name, columns, isDate))];
            }
            else
            {
                series = TensorArgument.Convert(value, null, out _);
            }
        }
        catch (DataFormatException e)
        {
            ThrowTerminatingError(Errors.FromData(e, value));
            return;
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException)
        {
            ThrowTerminatingError(Errors.Create("TensorConversionFailed", ErrorCategory.InvalidArgument, value,
                $"Cannot read the series: {Errors.Describe(e)}", e));
            return;
        }

        try
        {
            WriteObject(SeriesWindows.Create(series, Lookback, Horizon, Stride, targets));
        }
        catch (DataFormatException e)
        {
            ThrowTerminatingError(Errors.FromData(e, value));
        }
    }

    // The output column of a target property: its place among -Property, past the columns date properties became.
    private int TargetIndex(string name, List<string> columns, bool[] isDate)
    {
        int p = Array.FindIndex(Property!, q => string.Equals(q, name, StringComparison.OrdinalIgnoreCase));
        if (p < 0 || isDate[p])
        {
            throw new DataFormatException("WindowTargetPropertyInvalid", DataErrorKind.InvalidData, null,
                p < 0 ? $"-TargetProperty '{name}' is not among -Property ({string.Join(", ", Property!)})."
                      : $"-TargetProperty '{name}' is a date column; the targets are numbers.");
        }

        return columns.FindIndex(c => string.Equals(c, Property![p], StringComparison.Ordinal));
    }
}

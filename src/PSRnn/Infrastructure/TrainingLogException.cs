using System.Management.Automation;

namespace PSRnn.Infrastructure;

/// <summary>A training log (-LogPath, -TensorBoardPath) could not be written mid-run: carries the error to report.</summary>
internal sealed class TrainingLogException : Exception
{
    public TrainingLogException(ErrorRecord errorRecord)
        : base(errorRecord.Exception.Message, errorRecord.Exception) => ErrorRecord = errorRecord;

    public ErrorRecord ErrorRecord { get; }
}

namespace MitiAgent;

/// <summary>How a streamed answer ended (<see cref="MessageEventStreamingExtensions"/>).</summary>
public enum MitiStreamOutcome
{
    /// <summary>The source ended and the <c>completed</c> frame with the whole answer was acked.</summary>
    Completed,

    /// <summary>The run was cancelled (<c>assistant.cancel</c>, or shutdown past its timeout): enumeration stopped and no terminal frame was sent.</summary>
    Cancelled,

    /// <summary>The source threw: the <c>failed</c> frame was sent with <see cref="MitiStreamResult.ErrorCode"/>.</summary>
    Failed,
}

/// <summary>
/// What <see cref="MessageEventStreamingExtensions.StreamAsync(MessageEvent, IAsyncEnumerable{string}, CancellationToken)"/>
/// sent: the outcome, the answer and reasoning streamed, and the number of frames.
/// </summary>
public sealed class MitiStreamResult
{
    /// <summary>The <c>error.code</c> of the <c>failed</c> frame sent when the source throws.</summary>
    public const string ModelErrorCode = "model_error";

    internal MitiStreamResult(MitiStreamOutcome outcome, string answer, string reasoning, int frames, Exception? exception)
    {
        Outcome = outcome;
        Answer = answer;
        Reasoning = reasoning;
        Frames = frames;
        Exception = exception;
    }

    /// <summary>How the stream ended.</summary>
    public MitiStreamOutcome Outcome { get; }

    /// <summary>Whether the run was cancelled before the answer was complete (no terminal frame was sent).</summary>
    public bool IsCancelled => Outcome == MitiStreamOutcome.Cancelled;

    /// <summary>The answer streamed (the whole answer when <see cref="Outcome"/> is <see cref="MitiStreamOutcome.Completed"/>).</summary>
    public string Answer { get; }

    /// <summary>The reasoning streamed (empty when the source had none).</summary>
    public string Reasoning { get; }

    /// <summary>The length of <see cref="Answer"/> in UTF-16 code units.</summary>
    public int AnswerLength => Answer.Length;

    /// <summary>The frames sent for the run: the coalesced <c>delta</c> frames plus the terminal frame, if one was sent.</summary>
    public int Frames { get; }

    /// <summary>What the source threw when <see cref="Outcome"/> is <see cref="MitiStreamOutcome.Failed"/>.</summary>
    public Exception? Exception { get; }

    /// <summary>The <c>error.code</c> sent when the stream failed (<see cref="ModelErrorCode"/>), else <see langword="null"/>.</summary>
    public string? ErrorCode => Outcome == MitiStreamOutcome.Failed ? ModelErrorCode : null;

    /// <summary>The outcome, lengths and frame count; never content.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() =>
        "MitiStreamResult { Outcome = " + Outcome + ", AnswerLength = " + Answer.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)
        + ", ReasoningLength = " + Reasoning.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)
        + ", Frames = " + Frames.ToString(System.Globalization.CultureInfo.InvariantCulture) + " }";
}

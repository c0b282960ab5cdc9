namespace MitiAgent;

/// <summary>
/// Streams a model's output into the answer of a <see cref="MessageEvent"/>'s run in one call:
/// <c>await e.StreamAsync(model.StreamAsync(prompt), ct)</c>. The stream is opened, every token appended with the
/// SDK's coalescing (at most one <c>delta</c> frame per stream interval), and the run completed with the whole answer.
/// On <c>assistant.cancel</c> for the run enumeration stops at once (the enumerator's token is cancelled and the
/// enumerator disposed, which cancels the model call) and no terminal frame is sent. When the source throws, the
/// stream is failed with <see cref="MitiStreamResult.ModelErrorCode"/> and the exception goes to the agent's
/// <c>[OnError]</c> handler, when it has one.
/// </summary>
public static class MessageEventStreamingExtensions
{
    private const string SourceFailedMessage = "The model failed while answering.";

    /// <summary>
    /// Streams <paramref name="tokens"/> as the answer of this event's run and completes it with the whole answer
    /// (see <see cref="MessageEventStreamingExtensions"/>).
    /// </summary>
    /// <param name="messageEvent">The event whose run is answered (it must have a <c>run_id</c>).</param>
    /// <param name="tokens">The answer, piece by piece; enumerated with a token cancelled when the run is.</param>
    /// <param name="cancellationToken">Stops streaming (throws <see cref="OperationCanceledException"/>; a failed handler's open stream is then failed by the SDK).</param>
    /// <returns>What was sent: outcome, answer, frames.</returns>
    /// <exception cref="InvalidOperationException">The event has no run, is not bound to a client, or its stream was already opened.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MitiTimeoutException">The terminal frame was never acked.</exception>
    /// <exception cref="MitiApiException">The server refused the terminal frame.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in the element type of their source, never ambiguous; the token stays optional as on every other async API of the SDK.")]
    public static Task<MitiStreamResult> StreamAsync(this MessageEvent messageEvent, IAsyncEnumerable<string> tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageEvent);
        ArgumentNullException.ThrowIfNull(tokens);
        return StreamCoreAsync(messageEvent, tokens, static token => (token, null), cancellationToken);
    }

    /// <summary>
    /// Streams answer and reasoning pieces (either may be <see langword="null"/>) into this event's run: answer pieces
    /// go to <c>delta</c>, reasoning pieces to <c>reasoning_delta</c>, and the run completes with the whole answer and
    /// reasoning (see <see cref="MessageEventStreamingExtensions"/>).
    /// </summary>
    /// <param name="messageEvent">The event whose run is answered (it must have a <c>run_id</c>).</param>
    /// <param name="chunks">Pairs of answer and reasoning pieces; enumerated with a token cancelled when the run is.</param>
    /// <param name="cancellationToken">Stops streaming (throws <see cref="OperationCanceledException"/>).</param>
    /// <returns>What was sent: outcome, answer, reasoning, frames.</returns>
    /// <exception cref="InvalidOperationException">The event has no run, is not bound to a client, or its stream was already opened.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MitiTimeoutException">The terminal frame was never acked.</exception>
    /// <exception cref="MitiApiException">The server refused the terminal frame.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in the element type of their source, never ambiguous; the token stays optional as on every other async API of the SDK.")]
    public static Task<MitiStreamResult> StreamAsync(this MessageEvent messageEvent, IAsyncEnumerable<(string? Answer, string? Reasoning)> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageEvent);
        ArgumentNullException.ThrowIfNull(chunks);
        return StreamCoreAsync(messageEvent, chunks, static chunk => chunk, cancellationToken);
    }

    private static async Task<MitiStreamResult> StreamCoreAsync<T>(
        MessageEvent messageEvent,
        IAsyncEnumerable<T> source,
        Func<T, (string? Answer, string? Reasoning)> split,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        MitiReplyStream stream = messageEvent.OpenStream();
        CancellationToken run = messageEvent.CancellationToken;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(run, cancellationToken);
        var reasoning = new System.Text.StringBuilder();
        Exception? failure = null;
        Task<bool>? abandoned = null;
        IAsyncEnumerator<T>? enumerator = null;
        try
        {
            enumerator = source.GetAsyncEnumerator(stop.Token);
            while (true)
            {
                ValueTask<bool> move = enumerator.MoveNextAsync();
                bool hasNext;
                if (move.IsCompleted)
                {
                    hasNext = move.Result;
                }
                else
                {
                    // Waits for the next piece or the cancel, whichever comes first: a source that does not watch its
                    // token is not waited for (it is disposed once its pending move ends).
                    Task<bool> pending = move.AsTask();
                    abandoned = pending;
                    hasNext = await pending.WaitAsync(stop.Token).ConfigureAwait(false);
                    abandoned = null;
                }

                if (!hasNext)
                {
                    break;
                }

                stop.Token.ThrowIfCancellationRequested();
                (string? answerPiece, string? reasoningPiece) = split(enumerator.Current);
                reasoning.Append(reasoningPiece);
                await stream.AppendAsync(answerPiece, reasoningPiece, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!stop.IsCancellationRequested)
        {
            failure = ex;
        }
        catch (OperationCanceledException)
        {
            // The run or the caller stopped the stream: handled below.
        }
        finally
        {
            if (enumerator is not null)
            {
                if (abandoned is not null)
                {
                    _ = DisposeWhenSettledAsync(abandoned, enumerator);
                }
                else
                {
                    failure = await DisposeAsync(enumerator, failure, stop.IsCancellationRequested).ConfigureAwait(false);
                }
            }
        }

        if (run.IsCancellationRequested)
        {
            // No terminal frame for a cancelled run (spec §6.2); CompleteAsync would only end the stream locally.
            await stream.CompleteAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            return new MitiStreamResult(MitiStreamOutcome.Cancelled, stream.Answer, reasoning.ToString(), stream.Seq, null);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (failure is not null)
        {
            await stream.FailAsync(MitiStreamResult.ModelErrorCode, SourceFailedMessage, cancellationToken).ConfigureAwait(false);
            if (messageEvent.StreamFailureReporter is { } reporter)
            {
                await reporter.ReportStreamFailureAsync(messageEvent, stream.RunId, MitiStreamResult.ModelErrorCode, failure).ConfigureAwait(false);
            }

            return new MitiStreamResult(MitiStreamOutcome.Failed, stream.Answer, reasoning.ToString(), stream.Seq, failure);
        }

        string answer = stream.Answer;
        string wholeReasoning = reasoning.ToString();
        int framesBefore = stream.Seq;
        await stream.CompleteAsync(answer, wholeReasoning.Length > 0 ? wholeReasoning : null, cancellationToken).ConfigureAwait(false);

        // A cancel that arrived just before the terminal frame: CompleteAsync returned without sending it.
        MitiStreamOutcome outcome = stream.Seq > framesBefore ? MitiStreamOutcome.Completed : MitiStreamOutcome.Cancelled;
        return new MitiStreamResult(outcome, answer, wholeReasoning, stream.Seq, null);
    }

    /// <summary>Disposes the enumerator; a throw while disposing counts as the source's failure unless one is known or the stream was stopped.</summary>
    private static async Task<Exception?> DisposeAsync<T>(IAsyncEnumerator<T> enumerator, Exception? failure, bool stopped)
    {
        try
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (failure is null && !stopped)
        {
            return ex;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A second failure of a source that already failed or was stopped: nothing more to report.
        }

        return failure;
    }

    /// <summary>Disposes an enumerator whose move was abandoned on cancel, once that move has ended (an async iterator cannot be disposed while a move is pending).</summary>
    private static async Task DisposeWhenSettledAsync<T>(Task<bool> pending, IAsyncEnumerator<T> enumerator)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Expected: the source observed its cancelled token.
        }

        try
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The run is over; the source's own cleanup failure has no one left to tell.
        }
    }
}

namespace MitiAgent.Emulator;

/// <summary>An append-only, thread-safe list whose items can be awaited by predicate.</summary>
internal sealed class ObservableLog<T>(Action? onAdded = null)
{
    private readonly object _gate = new();
    private readonly List<T> _items = [];
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Tcs)> _waiters = [];

    public void Add(T item)
    {
        List<TaskCompletionSource<T>>? done = null;
        lock (_gate)
        {
            _items.Add(item);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(item))
                {
                    (done ??= []).Add(_waiters[i].Tcs);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (done is not null)
        {
            foreach (var tcs in done)
            {
                tcs.TrySetResult(item);
            }
        }

        onAdded?.Invoke();
    }

    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return _items.ToArray();
        }
    }

    public int Count(Func<T, bool> match)
    {
        lock (_gate)
        {
            return _items.Count(match);
        }
    }

    /// <summary>Waits (in real time) for the first item, existing or future, that matches.</summary>
    public async Task<T> WaitAsync(Func<T, bool> match, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        TaskCompletionSource<T> tcs;
        lock (_gate)
        {
            foreach (var item in _items)
            {
                if (match(item))
                {
                    return item;
                }
            }

            tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, tcs));
        }

        try
        {
            return await tcs.Task.WaitAsync(timeout, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The Miti emulator saw no {what} within {timeout.TotalSeconds:0.###} s.");
        }
        finally
        {
            lock (_gate)
            {
                _waiters.RemoveAll(w => ReferenceEquals(w.Tcs, tcs));
            }
        }
    }
}

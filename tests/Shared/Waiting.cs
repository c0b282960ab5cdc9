using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace MitiAgent.Testing;

// Bounded waits shared by the test projects (compiled into each through a linked <Compile> item, see tests/Shared).

/// <summary>Waiting for a condition: on real time (bounded) or by advancing a <see cref="FakeTimeProvider"/>.</summary>
internal static class Waiting
{
    /// <summary>Waits (real time, polling every 5 ms) until <paramref name="condition"/> holds.</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/> (default 20 s).</exception>
    public static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) => WaitUntilAsync(condition, () => what, timeout);

    /// <summary>As above; <paramref name="what"/> is rendered only at the timeout (for diagnostics that read state).</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/> (default 20 s).</exception>
    public static async Task WaitUntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for " + what());
            }

            await Task.Delay(5);
        }
    }

    /// <summary>
    /// Advances <paramref name="time"/> by <paramref name="step"/> until <paramref name="condition"/> holds, giving the
    /// woken timers a few real milliseconds after each step; fails after <paramref name="maxSteps"/> steps.
    /// </summary>
    public static async Task AdvanceUntilAsync(this FakeTimeProvider time, Func<bool> condition, TimeSpan step, string what, int maxSteps = 400, int realDelayMs = 5)
    {
        for (int i = 0; i < maxSteps; i++)
        {
            if (condition())
            {
                return;
            }

            time.Advance(step);
            await Task.Delay(realDelayMs);
        }

        Assert.True(condition(), "never happened: " + what);
    }
}

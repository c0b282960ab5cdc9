using Samples.Echo;
using Samples.Shared;

// dotnet run --project samples/EchoAgent
//   no MITI_APP_ID / MITI_APP_SECRET: runs against a Miti emulator embedded in this process, with a short demo;
//   with them (and optionally MITI_API_BASE_URL): connects to that Miti server.
return await SampleHost.RunAsync(args, new SampleDefinition
{
    Name = "EchoAgent",
    Agent = new EchoAgent(),
    ExampleText = "hi there",
    Demo = async (chat, ct) =>
    {
        await chat.DirectMessageAsync("u_alice", "Alice", "hello", ct);
        await chat.GroupMentionAsync("sg_team", "u_bob", "Bob", "what's new?", ct);
        await chat.DirectMessageAsync("u_alice", "Alice", "history", ct);
    },
});

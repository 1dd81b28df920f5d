namespace Zespan.Extensions.Tests;

/// <summary>
/// The test assembly's entry point (the test SDK's generated one is turned off): the test runner never calls it;
/// <c>dotnet Zespan.Extensions.Tests.dll offline-child ...</c> runs the child process of the offline-storage kill test.
/// </summary>
public static class TestProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == Export.OfflineChild.Verb)
        {
            return await Export.OfflineChild.RunAsync(args);
        }

        return 0;
    }
}

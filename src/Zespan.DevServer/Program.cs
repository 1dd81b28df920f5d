using Zespan.DevServer.Hosting;

return await DevServerCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);

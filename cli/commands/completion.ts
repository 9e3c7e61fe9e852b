import { Argument, type Command } from 'commander';
import { completionScript, completionShells, type CompletionShell } from '../completion/scripts.js';

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .addArgument(new Argument('<shell>', 'the shell the script is for').choices(completionShells))
    .description('print a shell completion script for bash, zsh or fish (docs/cli.md says how to install it)')
    .addHelpText(
      'after',
      '\nExamples:\n  source <(syntra completion bash)                       # in ~/.bashrc\n  syntra completion zsh > "${fpath[1]}/_syntra"          # then restart zsh\n  syntra completion fish > ~/.config/fish/completions/syntra.fish',
    )
    .action((shell: CompletionShell) => {
      process.stdout.write(completionScript(shell, program));
    });
}

import { Argument, type Command } from 'commander';
import type { CommandEnv } from './command-env.js';

/**
 * `kjoin completion bash|zsh`: the script is rendered from `program` itself when the command runs, after
 * every command has been registered, so completion can never fall behind the CLI.
 */
export function registerCompletion(program: Command, env: CommandEnv): void {
  program
    .command('completion')
    .description('print a shell completion script for bash or zsh')
    .addArgument(new Argument('<shell>', 'shell to complete for').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      '\nExamples:\n  source <(kjoin completion bash)\n  kjoin completion bash | sudo tee /etc/bash_completion.d/kjoin\n  kjoin completion zsh > "${fpath[1]}/_kjoin"\n',
    )
    .action(async (shell: 'bash' | 'zsh') => {
      const [{ describeCommandTree }, { renderBashCompletion }, { renderZshCompletion }] = await Promise.all([
        import('../lifecycle/completion-model.js'),
        import('../lifecycle/completion-bash.js'),
        import('../lifecycle/completion-zsh.js'),
      ]);
      const tree = describeCommandTree(program);
      env.io.stdout.write(shell === 'bash' ? renderBashCompletion(tree) : renderZshCompletion(tree));
    });
}

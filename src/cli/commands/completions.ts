/** `sks5 completions bash|zsh|fish`: prints a completion script generated from this program. */
import { Argument, type Command } from 'commander';
import { completionScript, SHELLS, type Shell } from '../completions.js';
import type { CliContext } from '../context.js';

export function registerCompletions(program: Command, ctx: CliContext): void {
  program
    .command('completions')
    .description('print a shell completion script')
    .addArgument(new Argument('<shell>', 'target shell').choices(SHELLS))
    .action((shell: Shell) => {
      ctx.io.out(completionScript(program, shell));
    });
}

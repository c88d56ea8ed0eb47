/** `sks5 manpage`: prints sks5(1) in roff (`sks5 manpage | man -l -`). */
import type { Command } from 'commander';
import { VERSION } from '../../version.js';
import type { CliContext } from '../context.js';
import { manpage } from '../manpage.js';

export function registerManpage(program: Command, ctx: CliContext): void {
  program
    .command('manpage')
    .description('print the manual page in roff format')
    .action(() => {
      ctx.io.out(manpage(program, VERSION));
    });
}

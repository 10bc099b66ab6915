// `platform help [COMMAND]` is @oclif/plugin-help's command, listed in the command map
// (src/cli/commands.ts) rather than loaded as an oclif plugin: loading a plugin at every
// start resolves and reads its package.json and manifest and matches dependency patterns
// with minimatch (~4 ms of each command's start). Same command, same output.
import {commands} from '@oclif/plugin-help'

export default commands.help

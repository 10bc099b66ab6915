// Every command of the CLI, by oclif id. package.json declares oclif's `explicit` command
// strategy with this map as the target: oclif then loads one module (in the built CLI, the
// esbuild bundle scripts/bundle-cli.mjs makes from it) instead of globbing and importing a
// file per command. A new command must be added here (test/cli/commands-map.test.ts checks).
import Compile from '../../commands/compile.js'
import Completion from '../../commands/completion.js'
import Help from '../../commands/help.js'
import Validate from '../../commands/validate.js'
import Version from '../../commands/version.js'
import DebugConnectivity from '../../commands/debug/connectivity.js'
import DebugPermissions from '../../commands/debug/permissions.js'
import DebugTriage from '../../commands/debug/triage.js'
import DebugTui from '../../commands/debug/tui.js'

export const COMMANDS = {
  compile: Compile,
  completion: Completion,
  help: Help,
  validate: Validate,
  version: Version,
  'debug:connectivity': DebugConnectivity,
  'debug:permissions': DebugPermissions,
  'debug:triage': DebugTriage,
  'debug:tui': DebugTui,
}

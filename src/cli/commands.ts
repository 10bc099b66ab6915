// Every command of the CLI, by oclif id. package.json declares oclif's `explicit` command
// strategy with this map as the target: oclif then loads one module (in the built CLI, the
// esbuild bundle scripts/bundle-cli.mjs makes from it) instead of globbing and importing a
// file per command. A new command must be added here.
import Compile from '../../commands/compile.js'
import Validate from '../../commands/validate.js'
import DebugConnectivity from '../../commands/debug/connectivity.js'
import DebugPermissions from '../../commands/debug/permissions.js'

export const COMMANDS = {
  compile: Compile,
  validate: Validate,
  'debug:connectivity': DebugConnectivity,
  'debug:permissions': DebugPermissions,
}

#!/usr/bin/env node
// Entry point: oclif reads the generated oclif.manifest.json, so `platform --help`
// does not import any command module (and none of the heavy libraries they load).
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})

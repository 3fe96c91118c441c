#!/usr/bin/env node
console.log('nkd');

// This repository's own pre-commit (husky → lint-staged): lint the staged files, type-check the project.
export default {
  '*.{ts,js,mjs}': 'eslint --max-warnings=0',
  '*.ts': () => 'tsc -p tsconfig.json --noEmit',
};

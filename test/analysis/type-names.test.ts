import { describe, expect, test } from 'vitest';
import { readableTypeName } from '../../src/analysis/type-names.js';

describe('generic shapes as frame labels and top show them', () => {
  test('a hashed shape keeps 6 digits of its 64-digit hash', () => {
    const hash = '7ef79b8109ca7a73e057574e4a0af0be1984d8606fab799593577d67d88dffe0';
    expect(readableTypeName(`go.shape.${hash}`)).toBe('go.shape.7ef79b…');
    expect(readableTypeName(`[]go.shape.${hash}`)).toBe('[]go.shape.7ef79b…');
  });

  test('a shape names packages by their name, not their import path', () => {
    expect(
      readableTypeName(
        'go.shape.struct { github.com/microsoft/typescript-go/internal/ast.PrimaryExpressionBase; github.com/microsoft/typescript-go/internal/ast.FlowNodeBase; Text string }',
      ),
    ).toBe('go.shape.struct { ast.PrimaryExpressionBase; ast.FlowNodeBase; Text string }');
    expect(readableTypeName('func sync.OnceValue[go.shape.map[github.com/microsoft/typescript-go/internal/diagnostics.Key]string].func1 (closure)')).toBe(
      'func sync.OnceValue[go.shape.map[diagnostics.Key]string].func1 (closure)',
    );
  });

  test('names without a shape are left as they are', () => {
    for (const name of ['map[string]*main.Session', 'func github.com/org/mod/pkg.f.func1 (closure)', '[64]main.Item', 'unknown (48-byte objects)']) {
      expect(readableTypeName(name)).toBe(name);
    }
  });
});

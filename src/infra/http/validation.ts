import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf, ValidationOptions } from 'class-validator';
import { ValidationFailedError } from '@/infra/errors/domain-error';

export interface FieldProblem {
  field: string;
  problems: string[];
}

/** Flattens class-validator's tree into `[{field: "recipients[3].to", problems: [...]}]`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const error of errors) {
    const field = parent
      ? /^\d+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`
      : error.property;
    if (error.constraints) {
      out.push({ field, problems: Object.values(error.constraints).map((m) => m.replace(error.property, field)) });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/** The global pipe: unknown properties are rejected, types are converted, and a 400 names each bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      const message = fields.flatMap((f) => f.problems).join('; ') || 'invalid request';
      return new ValidationFailedError(message, fields);
    },
  });
}

/**
 * The property may be left out; when it is given, every other validator applies, so `null` is refused like any other
 * wrong value. class-validator's @IsOptional() skips the validators for null as well, which let `{"name": null}` reach
 * the database. Use @IsOptional() only where null has a documented meaning (the lint rule asks for a reason).
 */
export function IsOmittable(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}

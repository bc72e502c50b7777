import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf, ValidationOptions } from 'class-validator';
import { Readable } from 'node:stream';
import { UnsupportedMediaTypeError, ValidationFailedError } from '@/infra/errors/domain-error';

/** Problems a 400's message lists (its details list every field). */
const MESSAGE_PROBLEMS = 10;

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

/**
 * The global pipe: unknown properties are rejected, types are converted, and a 400 names each bad field. A body
 * bound to a DTO must be a JSON object: a stream (a CSV sent to a JSON route) is a 415, and an array, a string or a
 * number a 400, before class-transformer turns them into something else.
 */
class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && value !== undefined && this.toValidate(metadata)) {
      if (value instanceof Readable) throw new UnsupportedMediaTypeError('this route takes application/json');
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ValidationFailedError('the body must be a JSON object', [
          { field: 'body', problems: ['the body must be a JSON object'] },
        ]);
      }
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      const problems = fields.flatMap((f) => f.problems);
      const more = problems.length > MESSAGE_PROBLEMS ? `; and ${problems.length - MESSAGE_PROBLEMS} more` : '';
      const message = problems.slice(0, MESSAGE_PROBLEMS).join('; ') + more || 'invalid request';
      return new ValidationFailedError(message, fields);
    },
  });
}

/**
 * The property may be left out; when it is given, every other validator applies, so `null` is refused like any other
 * wrong value. class-validator's @IsOptional() skips the validators for null as well, which let `{"name": null}` reach
 * the database. Use @IsOptional() only where null has a documented meaning (the lint rule then needs disabling, with
 * the reason).
 */
export function IsOmittable(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}

/**
 * The property may be left out or be `null`, where null has a documented meaning (e.g. "remove the secret"); any
 * other value goes through every other validator.
 */
export function IsOmittableOrNull(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null, options);
}

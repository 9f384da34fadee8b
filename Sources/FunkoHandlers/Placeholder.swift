import FunkoCore
